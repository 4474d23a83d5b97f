"""The account e-mails, in each language of the web interface (English and French): a subject
and a plain-text body per kind, with {placeholders} filled by server/accounts/mail.py."""

from __future__ import annotations

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "account_created": (
            "Your Baobab account",
            "Hello,\n\nAn account was created for you on Baobab ({server}), with the e-mail "
            "address {email}.\n\n{setup}\n\nIf you did not expect this message, you "
            "can ignore it.\n",
        ),
        "password_reset": (
            "Reset your Baobab password",
            "Hello,\n\nSomeone (perhaps you, perhaps an administrator) asked to reset the "
            "password of the Baobab account {email} on {server}.\n\nChoose a new password "
            "here, within {hours} hours:\n{link}\n\nThe link works once. If you did not ask "
            "for it, ignore this message: your password stays as it is.\n",
        ),
        "password_changed": (
            "Your Baobab password was changed",
            "Hello,\n\nThe password of the Baobab account {email} on {server} was changed, "
            "and every other session of the account was ended.\n\nIf you did not change it, "
            "tell your administrator at once.\n",
        ),
    },
    "fr": {
        "account_created": (
            "Votre compte Baobab",
            "Bonjour,\n\nUn compte a été créé pour vous sur Baobab ({server}), avec l'adresse "
            "{email}.\n\n{setup}\n\nSi vous n'attendiez pas ce message, vous pouvez "
            "l'ignorer.\n",
        ),
        "password_reset": (
            "Réinitialiser votre mot de passe Baobab",
            "Bonjour,\n\nQuelqu'un (vous, ou un administrateur) a demandé la réinitialisation "
            "du mot de passe du compte Baobab {email} sur {server}.\n\nChoisissez un nouveau "
            "mot de passe ici, dans les {hours} heures :\n{link}\n\nLe lien ne sert qu'une "
            "fois. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne "
            "change pas.\n",
        ),
        "password_changed": (
            "Votre mot de passe Baobab a été modifié",
            "Bonjour,\n\nLe mot de passe du compte Baobab {email} sur {server} a été modifié, "
            "et toutes les autres sessions du compte ont été fermées.\n\nSi ce n'est pas vous, "
            "prévenez tout de suite votre administrateur.\n",
        ),
    },
}

SETUP_LINES = {
    "en": {
        "link": "Choose your password here, within {hours} hours (the link works once):\n{link}",
        "given": "Your administrator will give you your password.",
    },
    "fr": {
        "link": "Choisissez votre mot de passe ici, dans les {hours} heures (le lien ne sert "
        "qu'une fois) :\n{link}",
        "given": "Votre administrateur vous donnera votre mot de passe.",
    },
}
