// The Node peer of the push-API benchmark: matrix-org's matrix-appservice (AppService class)
// checking the hs_token and acknowledging each transaction. It stores nothing: the event handler
// is empty. Usage: node server.js HS_TOKEN PORT [HOST]
"use strict";
const { AppService } = require("matrix-appservice");

const [hsToken, port, host = "127.0.0.1"] = process.argv.slice(2);
if (!hsToken || !port) {
    console.error("usage: node server.js HS_TOKEN PORT [HOST]");
    process.exit(2);
}

const as = new AppService({ homeserverToken: hsToken });
as.on("event", () => { /* nothing: the peer stores no event */ });

as.listen(Number(port), host).then(() => {
    console.log(`matrix-appservice peer listening on http://${host}:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => as.close().finally(() => process.exit(0)));
}
