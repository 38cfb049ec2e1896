"""A partner app whose migrations arrive after the partners exist (see
tests/portal/test_migrate_partners.py); its migrations module is chosen by the
LATECOMER_MIGRATIONS variable of tests/latecomer_settings.py."""
