//! The one store layer: sea-orm entities, migrations and the repository the services call.
