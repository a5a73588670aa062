"""The cataloguing workspace: scan-to-add, copy cataloguing from the shared pool and outside
sources, and the librarian's record and copy forms."""
