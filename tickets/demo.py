"""Demo tickets for a partner: every status, escalations to vendor support and to a
specialist, a cloud-partner incident (or a referral where no valid letter is on file), an
internal note and a missed SLA. Written through the services, backdated, without e-mail."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation

from contracts.models import Customer
from inventory.coverage import covered_q
from inventory.models import Device
from portal.catalogue.models import Category
from portal.programme import rule
from portal.users.models import Role, User

from . import notifications, services
from .models import Ticket
from .rma import services as rma

# The demo's words in French, for a French partner's demo (seed_demo).
FRENCH = {
    "Studio X50 has no audio in room 4":
        "Studio X50 sans son dans la salle 4",
    "Since this morning the far end cannot hear us.":
        "Depuis ce matin, nos correspondants ne nous entendent plus.",
    "Trio C60 reboots during calls":
        "Le Trio C60 redémarre pendant les appels",
    "Three reboots a day since the last update.":
        "Trois redémarrages par jour depuis la dernière mise à jour.",
    "Crash logs show a watchdog reset; not in our known issues.":
        ("Les journaux montrent une réinitialisation par le chien de garde\u202f; absent de nos "
         "problèmes connus."),
    "Reproducible crash after firmware update.":
        "Plantage reproductible après la mise à jour du firmware.",
    ("We reproduced the reboot. A fixed firmware is in test; meanwhile disable the USB audio "
     "passthrough."):
        ("Nous avons reproduit le redémarrage. Un firmware corrigé est en test\u202f; "
         "en attendant, "
         "désactivez le relais audio USB."),
    "Echo on the ceiling microphones":
        "Écho sur les micros de plafond",
    "Remote participants hear an echo in the boardroom.":
        "Les participants à distance entendent un écho dans la salle du conseil.",
    "Acoustic tuning beyond our tools.":
        "Réglage acoustique hors de portée de nos outils.",
    "Needs the audio DSP team.":
        "Nécessite l’équipe DSP audio.",
    "Headset not charging":
        "Le casque ne charge plus",
    "A Voyager headset no longer charges on its base.":
        "Un casque Voyager ne charge plus sur sa base.",
    "Could you send us the headset's serial number and a photo of the charging contacts?":
        ("Pourriez-vous nous envoyer le numéro de série du casque et une photo des contacts de "
         "charge\u202f?"),
    "Licence key for the room console":
        "Clé de licence pour la console de salle",
    "We need the licence key for the new room.":
        "Nous avons besoin de la clé de licence pour la nouvelle salle.",
    "The key is now on your licences page.":
        "La clé figure maintenant sur votre page des licences.",
    "Firmware update question":
        "Question sur la mise à jour du firmware",
    "Which firmware should our Sync 20 run?":
        "Quel firmware installer sur notre Sync 20\u202f?",
    "Version 2.1 is current; the downloads page has it.":
        "La version 2.1 est la plus récente\u202f; elle est sur la page des téléchargements.",
    "All rooms offline":
        "Toutes les salles hors ligne",
    "No room system can register since 06:00.":
        "Aucun système de salle ne s’enregistre depuis 6 h.",
    "Teams Rooms cannot join meetings":
        "Teams Rooms ne rejoint plus les réunions",
    "Meetings fail to start from the room consoles.":
        "Les réunions ne démarrent pas depuis les consoles de salle.",
    "The room account is blocked by a tenant policy.":
        "Le compte de la salle est bloqué par une stratégie du tenant.",
    "Microsoft: a fix is rolling out to the tenant.":
        "Microsoft\u202f: un correctif est en cours de déploiement sur le tenant.",
    "The room account is blocked by a Microsoft 365 tenant policy.":
        "Le compte de la salle est bloqué par une stratégie du tenant Microsoft 365.",
    "The headset no longer charges.":
        "Le casque ne charge plus.",
    "The camera image freezes every few minutes.":
        "L’image de la caméra se fige toutes les quelques minutes.",
}


def in_language(language):
    """The demo's text as a partner of `language` writes it."""
    return (lambda text: FRENCH[text]) if language == "fr" else (lambda text: text)


class VendorEngineer:
    """Stands for the vendor's engineer: vendor staff have no row in a partner's schema."""

    role = Role.SUPPORT_ENGINEER
    pk = None
    email = "support@polyplus.example"
    display_name = "Sam Reyes"


@transaction.atomic
def ensure_demo_tickets(now=None, headset_rmas_over_threshold=0, language="en"):
    """Creates the demo tickets and replacements in the current partner schema, once.

    With `headset_rmas_over_threshold`, the first customer also gets that many headset
    replacements beyond the free allowance of the year, so they are chargeable. The
    subjects, descriptions and comments are written in `language` (the partner's).
    """
    say = in_language(language)
    if Ticket.objects.exists():
        return 0
    now = now or timezone.now()
    agent = User.objects.filter(role=Role.PARTNER_AGENT, is_active=True).order_by("pk").first()
    customers = list(Customer.objects.order_by("site_id")[:2])
    if agent is None or len(customers) < 2:
        return 0
    first, second = customers
    engineer = VendorEngineer()

    def user_of(customer):
        return User.objects.filter(customer=customer, is_active=True).first() or agent

    def hours_ago(hours):
        return now - timedelta(hours=hours)

    def ticket(customer, by, subject, description, category, priority, opened):
        return services.open_ticket(user=by, customer=customer, subject=subject,
                                    description=description, category=category,
                                    priority=priority, now=hours_ago(opened))

    with notifications.muted(), translation.override(language):
        ticket(first, user_of(first), say("Studio X50 has no audio in room 4"),
                     say("Since this morning the far end cannot hear us."), "technical", "P3", 2)

        escalated = ticket(first, agent, say("Trio C60 reboots during calls"),
                           say("Three reboots a day since the last update."), "software", "P2",
                           30)
        services.update_ticket(escalated, user=agent, priority="P2", category="software",
                               assignee=agent)
        services.change_status(escalated, Ticket.Status.IN_PROGRESS, user=agent,
                               now=hours_ago(29))
        services.add_comment(escalated, user=agent, internal=True, now=hours_ago(28),
                             body=say("Crash logs show a watchdog reset; not in our known "
                                      "issues."))
        services.escalate(escalated, user=agent, to_level=Ticket.Level.VENDOR,
                          reason=say("Reproducible crash after firmware update."),
                          now=hours_ago(27))
        services.add_comment(escalated, user=engineer, now=hours_ago(20),
                             body=say("We reproduced the reboot. A fixed firmware is in test; "
                                  "meanwhile disable the USB audio passthrough."))

        specialist = ticket(second, agent, say("Echo on the ceiling microphones"),
                            say("Remote participants hear an echo in the boardroom."), "technical",
                            "P2", 50)
        services.change_status(specialist, Ticket.Status.IN_PROGRESS, user=agent,
                               now=hours_ago(49))
        services.escalate(specialist, user=agent, to_level=Ticket.Level.VENDOR,
                          reason=say("Acoustic tuning beyond our tools."), now=hours_ago(48))
        services.escalate(specialist, user=engineer, to_level=Ticket.Level.SPECIALIST,
                          reason=say("Needs the audio DSP team."), now=hours_ago(40))

        waiting = ticket(second, user_of(second), say("Headset not charging"),
                         say("A Voyager headset no longer charges on its base."), "hardware", "P3",
                         72)
        services.add_comment(waiting, user=agent, now=hours_ago(70),
                             body=say("Could you send us the headset's serial number and a photo "
                                  "of the charging contacts?"))
        services.change_status(waiting, Ticket.Status.WAITING, user=agent, now=hours_ago(70))

        resolved = ticket(first, user_of(first), say("Licence key for the room console"),
                          say("We need the licence key for the new room."), "account", "P4", 150)
        services.add_comment(resolved, user=agent, now=hours_ago(100),
                             body=say("The key is now on your licences page."))
        services.change_status(resolved, Ticket.Status.RESOLVED, user=agent,
                               now=hours_ago(24))

        closed = ticket(second, user_of(second), say("Firmware update question"),
                        say("Which firmware should our Sync 20 run?"), "software", "P4", 24 * 20)
        services.add_comment(closed, user=agent, now=hours_ago(24 * 19),
                             body=say("Version 2.1 is current; the downloads page has it."))
        services.change_status(closed, Ticket.Status.RESOLVED, user=agent,
                               now=hours_ago(24 * 15))
        services.change_status(closed, Ticket.Status.CLOSED, user=user_of(second),
                               now=hours_ago(24 * 14))

        ticket(second, user_of(second), say("All rooms offline"),
                          say("No room system can register since 06:00."), "technical", "P1", 10)

        for customer in (first, second):
            cloud = ticket(customer, user_of(customer), say("Teams Rooms cannot join meetings"),
                           say("Meetings fail to start from the room consoles."), "cloud", "P2",
                           20)
            services.change_status(cloud, Ticket.Status.IN_PROGRESS, user=agent,
                                   now=hours_ago(19))
            if services.letter_refusal(customer) is None:
                services.open_cloud_incident(
                    cloud, user=agent, cloud_partner=Ticket.CloudPartner.TEAMS,
                    incident_number="MS-2611-004217",
                    findings=say("The room account is blocked by a tenant policy."))
                services.add_cloud_notice(cloud, user=agent, now=hours_ago(6),
                                          body=say("Microsoft: a fix is rolling out to the "
                                               "tenant."))
            else:
                services.refer_to_cloud_partner(
                    cloud, user=agent, cloud_partner=Ticket.CloudPartner.TEAMS,
                    findings=say("The room account is blocked by a Microsoft 365 tenant policy."),
                    now=hours_ago(18))
        ensure_demo_rmas(customers, agent, engineer, now, headset_rmas_over_threshold, say)
    services.record_breaches(now)
    return Ticket.objects.count()


def _covered_devices(customer, category, on_date):
    return list(Device.objects.filter(customer=customer, status=Device.Status.ACTIVE,
                                      product_model__category=category)
                .filter(covered_q(on_date)).order_by("serial"))


def ensure_demo_rmas(customers, agent, engineer, now, over_threshold, say=str):
    """Replacements at every step; past the headset allowance where asked."""
    steps = [rma.Status.APPROVED, rma.Status.SHIPPED, rma.Status.DELIVERED,
             rma.Status.RECEIVED, rma.Status.CLOSED]
    year_start = datetime(now.year, 1, 2, 9, tzinfo=now.tzinfo)
    serial_number = 0

    def replacement_serial(device):
        nonlocal serial_number
        serial_number += 1
        return f"{device.serial[:30]}-R{serial_number:03d}"

    def replace(customer, device, requested_at, last_step, fault):
        request = rma.request_rma(user=agent, customer=customer, serial=device.serial,
                                  fault=fault, now=requested_at)
        for index, status in enumerate(steps[:steps.index(last_step) + 1]
                                       if last_step in steps else []):
            by = engineer if status in (rma.Status.SHIPPED, rma.Status.DELIVERED) else agent
            rma.advance(request, status, user=by,
                        now=requested_at + timedelta(hours=4 + 24 * index),
                        carrier="DHL Express", tracking_number=f"JD0146{request.pk:08d}",
                        replacement_serial=replacement_serial(device))
        return request

    for position, customer in enumerate(customers):
        today = customer.today()
        headsets = _covered_devices(customer, Category.HEADSETS, today)
        others = _covered_devices(customer, Category.VIDEO, today) or \
            _covered_devices(customer, Category.VOICE, today)
        wanted = []
        if position == 0 and over_threshold and headsets:
            base = rma.contracted_headsets(customer, today)
            free = int(base * rule("HEADSET_RMA_THRESHOLD"))
            wanted = headsets[:free + over_threshold]
        else:
            wanted = headsets[:2]
        span = max((now - year_start).days, 1)
        for index, device in enumerate(wanted):
            requested_at = year_start + timedelta(days=span * index // max(len(wanted), 1))
            last = rma.Status.REQUESTED if index == len(wanted) - 1 and not over_threshold \
                else steps[index % len(steps)]
            replace(customer, device, requested_at, last, say("The headset no longer charges."))
        for device in others[:1]:
            replace(customer, device, now - timedelta(days=2), rma.Status.SHIPPED,
                    say("The camera image freezes every few minutes."))

