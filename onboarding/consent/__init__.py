"""The privacy notice (versioned, published by staff) and the candidate's consent to it."""
