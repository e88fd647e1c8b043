"""Sixty correctly labelled support tickets in plain words: each team's tickets share few words with each other.

A file like this is what a user brings first; with so few rows the checking models and the network are weak.
"""

BILLING = [
    'I was charged twice for my order',
    'Please refund the extra fee on my invoice',
    'My credit card was billed the wrong amount',
    'Why is there a charge I do not recognise',
    'I want a refund for my subscription',
    'The invoice shows the wrong price',
    'Can I pay by bank transfer instead',
    'My payment failed but money was taken',
    'Cancel my plan and stop billing me',
    'The discount code was not applied to my bill',
    "I need a copy of last month's invoice",
    'You overcharged me for shipping',
    'How do I update my payment card',
    'The VAT on my receipt is wrong',
    'I was billed after I cancelled',
    'Please explain this charge on my statement',
    'My refund has not arrived yet',
    'The price went up without notice',
    'I paid but the order says unpaid',
    'Can I get an invoice with my company name',
]

TECHNICAL = [
    'The app crashes when I open it',
    'I cannot log in to my account',
    'The website shows an error page',
    'My password reset email never arrives',
    'The screen freezes after the update',
    'The app will not sync with my phone',
    'I get error 500 when saving',
    'The login button does nothing',
    'Video playback keeps buffering',
    'The software will not install on Windows',
    'Notifications stopped working after the update',
    'My account is locked after too many tries',
    'The page loads very slowly',
    'I cannot upload a photo, it fails',
    'The app drains my battery fast',
    'Two factor code is not accepted',
    'The search function returns nothing',
    'The printer driver does not work',
    'Bluetooth connection keeps dropping',
    'The settings page is blank',
]

DELIVERY = [
    'My parcel has not arrived yet',
    'The courier left the box at the wrong address',
    'Where is my package',
    'The tracking number does not work',
    'My order arrived damaged',
    'The delivery is two weeks late',
    'Can I change my delivery address',
    'The parcel was marked delivered but I have nothing',
    'Part of my order is missing',
    'The driver never rang the bell',
    'Can you deliver on Saturday',
    'My package is stuck at the depot',
    'The box was opened when it arrived',
    "I received someone else's order",
    'The delivery window was missed',
    'Can I pick up the parcel at a shop',
    'The shipment was sent to my old address',
    'How long does delivery take to Spain',
    'The courier lost my parcel',
    'My order shipped but tracking shows nothing',
]


def plain_tickets_csv() -> bytes:
    """Returns the tickets as a CSV file (text,label), the three teams interleaved."""
    rows = ["text,label"] + [f'"{text}",{team}' for trio in zip(BILLING, TECHNICAL, DELIVERY)
                             for text, team in zip(trio, ("billing", "technical", "delivery"))]
    return ("\n".join(rows) + "\n").encode()
