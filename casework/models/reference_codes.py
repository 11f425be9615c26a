"""Benefit codes the casework rules single out (codes of casework.reference.BenefitType)."""

# Cash benefits whose grant must state an amount.
BENEFITS_NEEDING_AMOUNT = frozenset(
    {
        "zasilek-staly",
        "zasilek-okresowy",
        "zasilek-celowy",
        "specjalny-zasilek-celowy",
        "usamodzielnienie",
    }
)
