"""The case-work web app of ``graphfraud serve``: accounts, roles and pages."""
