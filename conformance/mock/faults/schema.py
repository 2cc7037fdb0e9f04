"""Faults of the schema family: a representation the XSDs do not accept."""

from __future__ import annotations

from dataclasses import replace

from ..render import NAMESPACE, XML
from ..tree import Node, el
from ..fault_registry import Context, Reply, document_fault, entity_document, reply_fault

__all__: list[str] = []


@document_fault("undeclared_element", "SCH001", "a Job entity ends with an element the schema does not declare")
def _undeclared_element(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job"):
        job.children.append(el("Undeclared", "not in the schema"))


@reply_fault("wrong_namespace", "SCH001",
             "a Repository entity is served in no XML namespace: every element as before, the API's "
             "namespace left out")
def _wrong_namespace(reply: Reply) -> Reply:
    document = reply.document
    if (reply.status == 200 and reply.media_type == XML and document is not None
            and entity_document(document, "Repository")):
        return replace(reply, body=reply.body.replace(f' xmlns="{NAMESPACE}"'.encode(), b"", 1))
    return reply


@document_fault("json_member_misspelt", "SCH001",
                "the JSON form of a Job entity misspells one member (Platform as Platfrom); its XML stays valid")
def _json_member_misspelt(root: Node, context: Context) -> None:
    for job in entity_document(root, "Job") if context.json else ():
        for child in job.children:  # the mock's tree: an element
            if child.name == "Platform":
                child.name = "Platfrom"
        if "Platform" in job.attrs:  # a recorded JSON body's tree: a scalar member
            job.attrs = {("Platfrom" if key == "Platform" else key): value for key, value in job.attrs.items()}
