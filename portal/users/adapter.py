from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from portal.clientip import client_ip
from portal.tenants.branding import current_brand
from portal.tenants.emails import address_from, queue_email, sender_for, wrap_in_branded_html


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by invitation only.
        return False

    def get_client_ip(self, request):
        # The same address as the API's rate limit, behind TRUSTED_PROXY_COUNT proxies.
        return client_ip(request) or super().get_client_ip(request)

    def get_from_email(self):
        return sender_for(current_brand())

    def send_mail(self, template_prefix, email, context):
        brand = current_brand()
        context = {"brand": brand, **context}
        request = context.get("request")
        ctx = {"email": email, "current_site": {"name": brand.name,
               "domain": request.get_host() if request else brand.primary_domain}}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        if brand.support_email:
            message.reply_to = [brand.support_email]
        queue_email(wrap_in_branded_html(address_from(message, brand), brand))


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self):
        return current_brand().name
