"""Faults of the schema family: a representation the XSDs do not accept."""

from __future__ import annotations

from ..tree import Node, el
from ..fault_registry import Context, document_fault, entity_document

__all__: list[str] = []


@document_fault("undeclared_element", "SCH001", "a Job entity ends with an element the schema does not declare")
def _undeclared_element(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        job.children.append(el("Undeclared", "not in the schema"))


@document_fault("json_member_misspelt", "SCH001",
                "the JSON form of a Job entity misspells one member (Platform as Platfrom); its XML stays valid")
def _json_member_misspelt(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job") if context.json else ():
        for child in job.children:  # the mock's tree: an element
            if child.name == "Platform":
                child.name = "Platfrom"
        if "Platform" in job.attrs:  # a recorded JSON body's tree: a scalar member
            job.attrs = {("Platfrom" if key == "Platform" else key): value for key, value in job.attrs.items()}
