"""TMF621 Trouble Ticket API routes under /tmf-api/troubleTicket/v4/."""
urlpatterns: list = []
