import { initAll } from "../vendor/nhsuk-frontend/nhsuk-frontend.min.js";

initAll();
