from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, ProductModel, QuoteOnlyLine


class ProductModelForm(forms.ModelForm):
    class Meta:
        model = ProductModel
        fields = ["sku", "name", "family", "category", "quote_only_line", "end_of_life",
                  "end_of_service", "list_price", "currency", "current_firmware"]
        widgets = {"end_of_life": forms.DateInput(attrs={"type": "date"}),
                   "end_of_service": forms.DateInput(attrs={"type": "date"})}

    def clean_sku(self):
        return self.cleaned_data["sku"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        eol, eos = cleaned.get("end_of_life"), cleaned.get("end_of_service")
        if eol and eos and eos < eol:
            self.add_error("end_of_service", _("End of service cannot come before end of life."))
        return cleaned


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    line = forms.ChoiceField(
        label=_("Line"), required=False,
        choices=[("", _("All lines")), ("standard", _("Standard programme")),
                 *[(v, label) for v, label in QuoteOnlyLine.choices if v]],
    )
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle"), required=False,
        choices=[("", _("Any")), ("supported", _("Supported today")),
                 ("end_of_life", _("End of life passed")),
                 ("end_of_service", _("End of service passed"))],
    )
