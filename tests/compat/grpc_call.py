"""One raw etcd v3 gRPC call, for the few requests etcdctl 3.4 cannot make.

Debian's etcdctl is 3.4.23: its `get` has no --count-only and no --min/max-mod/create-rev flags
(they arrived in etcdctl 3.5), and its `txn` panics on a lease compare ("panic: bad value":
3.4 passes the compare's text where clientv3 wants an int64). The server side of all of these is
plain RangeRequest / TxnRequest fields, so differential.py sends them through the generated
stubs of Debian's python3-etcd3 instead, and compares this script's output like any other step.

    /usr/bin/python3 grpc_call.py --endpoint 127.0.0.1:2379 Range '{"key": "a2V5", "count_only": true}'

With --batch, stdin holds a JSON list of [method, request] pairs, sent one after another on
one channel (one interpreter start instead of many), and stdout is a JSON list of
[stdout, stderr, exit status] triples, one per request, as the single form would print them.

The request is protobuf JSON (bytes base64, as etcdctl -w json prints them). The reply is
printed as one line of JSON in etcdctl's style: field names as in the .proto, int64 as numbers,
bytes base64, enums by name, unset fields left out. A gRPC error is printed as
`Error: <StatusCode> <details>` on stderr with exit status 1.
"""

import argparse
import base64
import json
import os
import sys


def import_etcdrpc():
    """python-etcd3 0.12's generated *_pb2 files predate protobuf 3.20; with protobuf >= 4 and
    its C++/upb backend, importing them raises TypeError "Descriptors cannot be created
    directly". The documented workaround is the pure-Python backend, which must be chosen
    before protobuf is first imported: so re-execute once with it set. (Debian 12's
    python3-protobuf 3.21.12 with the cpp backend imports them fine; this is for other
    installations.)"""
    try:
        from etcd3 import etcdrpc
        return etcdrpc
    except TypeError as error:
        if "Descriptors cannot be created directly" not in str(error):
            raise
        if os.environ.get("PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION") == "python":
            raise
        os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        os.execv(sys.executable, [sys.executable] + sys.argv)


def to_plain(message):
    """A protobuf message as etcdctl's JSON writer shows it (gogo/jsonpb-like): only set
    fields, proto field names, int64 as numbers, bytes as base64, enums as names."""
    result = {}
    for field, value in message.ListFields():
        result[field.name] = _field_value(field, value)
    return result


def _field_value(field, value):
    if field.label == field.LABEL_REPEATED:
        return [_single(field, item) for item in value]
    return _single(field, value)


def _single(field, value):
    if field.type == field.TYPE_MESSAGE:
        return to_plain(value)
    if field.type == field.TYPE_BYTES:
        return base64.b64encode(value).decode()
    if field.type == field.TYPE_ENUM:
        return field.enum_type.values_by_number[value].name
    return value


def call(etcdrpc, channel, method, request_json, timeout_s):
    """One request; returns (stdout, stderr, exit status) as the single form prints them."""
    import grpc
    from google.protobuf import json_format

    request_type = {"Range": etcdrpc.RangeRequest, "Txn": etcdrpc.TxnRequest}[method]
    request = json_format.ParseDict(request_json, request_type())
    try:
        reply = getattr(etcdrpc.KVStub(channel), method)(request, timeout=timeout_s)
    except grpc.RpcError as error:
        return "", "Error: %s %s\n" % (error.code().name, error.details()), 1
    return json.dumps(to_plain(reply), separators=(",", ":")) + "\n", "", 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True, help="host:port (127.0.0.1 only)")
    parser.add_argument("--batch", action="store_true", help="requests from stdin, see above")
    parser.add_argument("method", nargs="?", choices=["Range", "Txn"])
    parser.add_argument("request", nargs="?", help="the request as protobuf JSON")
    parser.add_argument("--timeout-s", type=float, default=10.0)
    args = parser.parse_args()
    if not args.endpoint.startswith("127.0.0.1:"):
        parser.error("only 127.0.0.1 endpoints are allowed")
    if not args.batch and not (args.method and args.request):
        parser.error("give METHOD REQUEST, or --batch")

    etcdrpc = import_etcdrpc()
    import grpc

    # No proxy: every request goes straight to 127.0.0.1.
    channel = grpc.insecure_channel(args.endpoint, options=[("grpc.enable_http_proxy", 0)])
    try:
        if args.batch:
            results = [call(etcdrpc, channel, method, request, args.timeout_s)
                       for method, request in json.load(sys.stdin)]
            print(json.dumps(results))
            return 0
        out, err, status = call(etcdrpc, channel, args.method, json.loads(args.request), args.timeout_s)
    finally:
        channel.close()
    sys.stdout.write(out)
    sys.stderr.write(err)
    return status


if __name__ == "__main__":
    sys.exit(main())
