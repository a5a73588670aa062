"""Tests of the library world's protocols: OAI-PMH, SRU, unAPI and OpenSearch."""
