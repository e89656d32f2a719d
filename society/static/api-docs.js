// Starts Swagger UI on the API reference page (templates/swagger_ui.html).
// A file rather than an inline script, so the page works under script-src 'self'.
(function () {
  const holder = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: holder.dataset.specUrl,
    domNode: holder,
    deepLinking: true,
    validatorUrl: null,
    tryItOutEnabled: true,
    supportedSubmitMethods: ["get", "head"],
  });
})();
