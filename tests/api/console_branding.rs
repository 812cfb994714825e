//! The console's name-and-branding form: a preview that saves nothing, a
//! save that the portal shows at once, unreadable colours refused with
//! nothing changed, and support operators kept to reading.

use tessera::platform::operators::OperatorRole;

use crate::helpers::console::signed_in_operator;
use crate::helpers::spawn_app;

#[tokio::test]
async fn operators_preview_then_save_a_tenants_branding() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("brand", "Chorale du Marais").await;
    let host = tenant.default_host.to_string();
    let (mut console, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let path = format!("/console/tenants/{}/edit", tenant.slug);

    let form = console.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Chorale du Marais"));
    let fields = |primary: &'static str, action: &'static str| {
        vec![
            ("name", "Chorale du Marais"),
            ("locale", "fr"),
            ("theme", "default"),
            ("primary", primary),
            ("secondary", ""),
            ("accent", ""),
            ("tagline", "Chanter ensemble"),
            ("footer_text", ""),
            ("action", action),
        ]
    };
    let preview = console.post(&path, &fields("#7a1f5c", "preview")).await;
    assert_eq!(preview.status, 200);
    assert!(
        preview.body.contains("--brand-primary:#7a1f5c"),
        "the preview does not show the colour"
    );
    let (_, home) = app.get_text(&host, "/").await;
    assert!(!home.contains("#7a1f5c"), "a preview changed the portal");

    let unreadable = console.post(&path, &fields("#fafafa", "save")).await;
    assert_eq!(unreadable.status, 422);
    let (_, home) = app.get_text(&host, "/").await;
    assert!(!home.contains("#fafafa"));

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    assert_eq!(
        support.post(&path, &fields("#7a1f5c", "save")).await.status,
        403
    );

    let saved = console.post(&path, &fields("#7a1f5c", "save")).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(
        app.wait_for_home(&host, std::time::Duration::from_secs(2), |s, b| s == 200
            && b.contains("#7a1f5c")
            && b.contains("Chanter ensemble"))
            .await
    );
}
