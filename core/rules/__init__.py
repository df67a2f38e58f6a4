"""Pure rules of the product (SPEC §1–2): stages, routing, permissions, input cleaning."""
