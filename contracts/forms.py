from django import forms

from .models import Customer


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "site_id"]

    def clean_site_id(self):
        return self.cleaned_data["site_id"].strip().upper()
