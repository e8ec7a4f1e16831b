// Starts Swagger UI on the OpenAPI document this server was generated from. It lives in its own file so
// that the page runs under a Content-Security-Policy without inline scripts. Every URL is relative, so
// the page also works behind a reverse proxy that mounts the API under a prefix.
window.ui = SwaggerUIBundle({
  url: "../openapi.yaml",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default validator badge would send the spec to an external service.
  validatorUrl: null,
  displayRequestDuration: true,
  // Tokens typed into "Authorize" stay in memory only, never in localStorage.
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
});
