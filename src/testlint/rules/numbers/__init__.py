"""TL4: numbers (floats compared exactly, money held in binary floats)."""
