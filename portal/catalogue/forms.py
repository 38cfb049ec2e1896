from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from portal.submissions.once import OneTimeTokenForm

from .models import (
    Category,
    Document,
    ProductModel,
    QuoteOnlyLine,
    SoftwareRelease,
    SparePart,
)

DEFAULT_FILE_MAX_BYTES = 200 * 1024 * 1024


class ProductModelForm(OneTimeTokenForm, forms.ModelForm):
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


class CatalogueImportForm(OneTimeTokenForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1252, separated by commas or semicolons."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


class SparePartForm(OneTimeTokenForm, forms.ModelForm):
    class Meta:
        model = SparePart
        fields = ["part_number", "description", "compatible_models"]
        widgets = {"compatible_models": forms.SelectMultiple(attrs={"size": 12})}

    def clean_part_number(self):
        return self.cleaned_data["part_number"].strip().upper()


class SparePartFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)


def validate_catalogue_file(upload):
    limit = getattr(settings, "CATALOGUE_FILE_MAX_BYTES", DEFAULT_FILE_MAX_BYTES)
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )


class DocumentForm(OneTimeTokenForm, forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "kind", "language", "file"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_catalogue_file(upload)
        return upload


class SoftwareReleaseForm(OneTimeTokenForm, forms.ModelForm):
    """The checksum is not a field: the service computes it from the file itself."""

    class Meta:
        model = SoftwareRelease
        fields = ["version", "release_date", "release_notes", "file"]
        widgets = {"release_date": forms.DateInput(attrs={"type": "date"}),
                   "release_notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, product_model, **kwargs):
        super().__init__(*args, **kwargs)
        self.product_model = product_model

    def clean_version(self):
        version = self.cleaned_data["version"].strip()
        if self.product_model.releases.filter(version__iexact=version).exists():
            raise forms.ValidationError(
                _("This model already has a release %(version)s."),
                params={"version": version}, code="duplicate")
        return version

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_catalogue_file(upload)
        return upload
