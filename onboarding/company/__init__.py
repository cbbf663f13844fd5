"""The company portal: a company contact signs in with an emailed link and acts on their
company's placements, proposes projects and keeps the company's contact data."""
