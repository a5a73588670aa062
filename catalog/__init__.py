"""The catalog of one library: records, contributors, subjects, identifiers, items, locations."""
