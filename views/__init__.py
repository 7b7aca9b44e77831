"""Streamlit pages: each module wires widgets to geo/ and layers/ and nothing more."""
