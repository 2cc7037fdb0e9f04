"""Link-contract conformance suite for XML hypermedia REST APIs."""
