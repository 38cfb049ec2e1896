"""The vendor's product catalogue, kept in the public schema and read by every partner."""

import re
import uuid
from pathlib import PurePath

from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    HEADSETS = "headsets", _("Headsets and personal devices")
    VIDEO = "video", _("Video")
    VOICE = "voice", _("Voice")


class QuoteOnlyLine(models.TextChoices):
    """Lines never covered by the standard programme: they need a custom quote."""

    NONE = "", _("Standard programme")
    ITP = "itp", _("Immersive Telepresence (ITP)")
    MEDIALIGN = "medialign", _("Poly Medialign")
    TELEHEALTH = "telehealth", _("Telehealth Station")
    EDUCART = "educart", _("EduCart")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")


class ProductModel(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    family = models.CharField(_("family"), max_length=60)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    quote_only_line = models.CharField(
        _("quote-only line"), max_length=20, choices=QuoteOnlyLine.choices, blank=True,
        help_text=_("Set for lines that are never covered by the standard programme."),
    )
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    end_of_service = models.DateField(_("end of service"), null=True, blank=True)
    list_price = models.DecimalField(
        _("list price"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    current_firmware = models.CharField(_("current firmware version"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["category", "family", "name"]
        verbose_name = _("product model")
        verbose_name_plural = _("product models")

    def __str__(self):
        return f"{self.name} ({self.sku})"

    @property
    def is_quote_only(self):
        return bool(self.quote_only_line)


class SparePart(models.Model):
    part_number = models.CharField(_("part number"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=200)
    compatible_models = models.ManyToManyField(
        ProductModel, related_name="spare_parts", verbose_name=_("compatible models")
    )

    class Meta:
        ordering = ["part_number"]
        verbose_name = _("spare part")
        verbose_name_plural = _("spare parts")

    def __str__(self):
        return f"{self.part_number} — {self.description}"


def catalogue_storage():
    # Documents and software are read from the console and from every partner's portal, so
    # they are kept under the vendor's own prefix, outside the partners' ones.
    return storages["catalogue"]


def _random_name(folder, filename):
    # The stored name is random so that nobody can guess another file's path; only a
    # short, plain suffix of the uploaded name is kept.
    suffix = PurePath(filename).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix):
        suffix = ""
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def document_path(instance, filename):
    return _random_name("documents", filename)


def release_path(instance, filename):
    return _random_name("releases", filename)


class CatalogueFile(models.Model):
    """What documents and software releases share: a stored file and the name it came with."""

    original_filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def download_name(self):
        return self.original_filename or PurePath(self.file.name).name


class Document(CatalogueFile):
    class Kind(models.TextChoices):
        DATASHEET = "datasheet", _("Datasheet")
        USER_GUIDE = "user_guide", _("User guide")
        ADMIN_GUIDE = "admin_guide", _("Administrator guide")
        RELEASE_NOTES = "release_notes", _("Release notes")
        OTHER = "other", _("Other")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")
        GERMAN = "de", _("German")
        SPANISH = "es", _("Spanish")
        ITALIAN = "it", _("Italian")
        MULTILINGUAL = "mul", _("Multilingual")

    product_model = models.ForeignKey(
        ProductModel, on_delete=models.CASCADE, related_name="documents",
        verbose_name=_("product model"),
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices,
                            default=Kind.DATASHEET)
    language = models.CharField(_("language"), max_length=3, choices=Language.choices,
                                default=Language.ENGLISH)
    file = models.FileField(_("file"), upload_to=document_path, storage=catalogue_storage,
                            max_length=255)

    class Meta:
        ordering = ["kind", "title", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title


class SoftwareRelease(CatalogueFile):
    product_model = models.ForeignKey(
        ProductModel, on_delete=models.CASCADE, related_name="releases",
        verbose_name=_("product model"),
    )
    version = models.CharField(_("version"), max_length=40)
    release_date = models.DateField(_("release date"))
    release_notes = models.TextField(_("release notes"), blank=True)
    file = models.FileField(_("file"), upload_to=release_path, storage=catalogue_storage,
                            max_length=255)
    checksum_sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, editable=False)

    class Meta:
        ordering = ["-release_date", "-pk"]
        verbose_name = _("software release")
        verbose_name_plural = _("software releases")
        constraints = [
            models.UniqueConstraint(fields=["product_model", "version"],
                                    name="catalogue_release_unique_version"),
        ]

    def __str__(self):
        return f"{self.product_model.name} {self.version}"
