"""Serves a generated Snowflake SQL API v2 result (documented jsonv2 shapes) from files, for
scripts/bench: POST /api/v2/statements answers partition 0 with the metadata, GET
/api/v2/statements/H?partition=N answers partition N. Usage: sql-api-replay.py DIR ROWS PER_PART"""
import http.server, json, os, sys

folder, rows, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
parts = (rows + per - 1) // per
row_type = [{"name": "ID", "type": "fixed", "scale": 0}, {"name": "EMAIL", "type": "text", "scale": 0},
            {"name": "SCORE", "type": "fixed", "scale": 2}, {"name": "UPDATED_AT", "type": "timestamp_ntz", "scale": 9},
            {"name": "ACTIVE", "type": "boolean", "scale": 0}, {"name": "ATTRS", "type": "variant", "scale": 0}]
for p in range(parts):
    data = [[str(i), f"user{i}@example.com", f"{i % 9973}.{i % 100:02d}", f"{1767225600 + i}.123456000",
             "true" if i % 2 else "false", json.dumps({"plan": "pro", "seats": i % 50}, indent=2)]
            for i in range(p * per, min(rows, (p + 1) * per))]
    body = {"data": data}
    if p == 0:
        body.update({"statementHandle": "bench", "code": "090001", "resultSetMetaData": {
            "numRows": rows, "format": "jsonv2", "rowType": row_type,
            "partitionInfo": [{"rowCount": min(per, rows - k * per)} for k in range(parts)]}})
    with open(os.path.join(folder, f"part{p}.json"), "w") as f:
        json.dump(body, f)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send_file(self, p):
        with open(os.path.join(folder, f"part{p}.json"), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_file(0)

    def do_GET(self):
        self.send_file(int(self.path.rsplit("partition=", 1)[1]) if "partition=" in self.path else 0)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
