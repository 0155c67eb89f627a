// GraphiQL from the vendored files: same-origin fetcher, the signed-in session's cookie or a
// Bearer token typed into the headers pane.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.pathname });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true })
  );
})();
