"""TL0: suppression comments that hide nothing, or name no rule."""
