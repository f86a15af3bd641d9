import { fetchOverview } from "./api";
import { renderError, renderOverview } from "./views";

const root = document.getElementById("app")!;
fetchOverview()
  .then((o) => renderOverview(root, o))
  .catch((e) => renderError(root, String(e)));
