"""Lending: patrons, loans, holds, notices, stocktaking and labels, in each library's schema."""
