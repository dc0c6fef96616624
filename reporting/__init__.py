"""Reporting for the crisis cell and its partners: situation reports (*points de situation*) for the
préfecture and the elected officials, and NIS2 incident notification drafts for the CSIRT.

Depends on incidents (crises, tickets, crisis log), resilience (alerts, exposure, impact engine) and
network (communes, premises); nothing depends on it. Optional sections (damage reports, restoration
outlook, power state) come from other apps through `services/providers.py` and are left out when
those apps are not installed.
"""
