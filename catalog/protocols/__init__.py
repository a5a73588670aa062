"""The library world's protocols on a library host: OAI-PMH, SRU, unAPI and OpenSearch."""
