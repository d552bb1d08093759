"""Labels of the knowledge base's codes (domains, statuses, situations, purposes…) as msgids.

These also appear on the printable summary, so they are translated into all five languages.
"""

from __future__ import annotations

from console.i18n import N_

DOMAINS = {
    "health": N_("Health care"), "education": N_("Education"),
    "consular": N_("Consular help"), "protection": N_("Protection (trafficking, violence)"),
    "work": N_("Work"), "social_security": N_("Social security"),
    "legal_status": N_("Legal status"), "asylum": N_("Asylum and refuge"),
    "detention": N_("Detention"),
}
STATUSES = {
    "granted": N_("Entitled"), "limited": N_("Limited entitlement"),
    "not_granted": N_("Not entitled"), "unknown": N_("No verified information"),
}
MIGRATION_STATUSES = {
    "unknown": N_("Unknown / prefers not to say"), "regular": N_("Regular"),
    "irregular": N_("Irregular"), "asylum_seeker": N_("Asylum seeker"),
    "refugee": N_("Refugee"),
}
SEXES = {"female": N_("Female"), "male": N_("Male"), "other": N_("Other")}
SITUATIONS = {
    "pregnant": N_("Pregnant"), "minor": N_("Minor (under 18)"),
    "unaccompanied_minor": N_("Unaccompanied minor"),
    "trafficking_victim": N_("Trafficking victim"), "violence_victim": N_("Violence victim"),
    "detained": N_("Detained"), "returnee": N_("Returnee"), "disability": N_("Disability"),
}
PURPOSES = {
    "emergency": N_("Emergency"), "trafficking": N_("Trafficking"),
    "violence": N_("Violence"), "child_protection": N_("Child protection"),
    "police": N_("Police"), "investigations": N_("Investigations"),
    "migration": N_("Migration"), "other": N_("Other"),
}
CONSULATE_KINDS = {
    "embassy": N_("Embassy"), "consulate": N_("Consulate"),
    "consular_section": N_("Consular section"), "honorary_consulate": N_("Honorary consulate"),
    "foreign_ministry": N_("Foreign ministry"),
}
CONFIDENCE = {"confirmed": N_("Confirmed"), "unconfirmed": N_("Not confirmed")}
CATEGORIES = {
    "health": N_("Health"), "education": N_("Education"), "legal_aid": N_("Legal aid"),
    "shelter": N_("Shelter"), "food": N_("Food"), "consulate": N_("Consulate"),
    "hotline": N_("Hotline"), "psychosocial": N_("Psychosocial support"), "work": N_("Work"),
    "other": N_("Other"), "authority": N_("Authority"),
}
#: Said on every summary: the design's "information, not legal advice".
NOT_ADVICE = N_("This is information, not legal advice. Check with a lawyer or a legal aid "
                "organisation before acting on it.")
UNKNOWN_SUMMARY = N_("We do not have verified information on this topic for this country yet. "
                     "A caseworker or a local legal aid organisation can advise.")
