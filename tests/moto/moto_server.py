"""moto_server with one routing fix, for the tests and until the local endpoint replaces it.

aws-sdk-backup (the Rust SDK, from the Smithy model) sends ListTags as `GET /tags/{arn}` while
botocore's model, which moto routes by, says `GET /tags/{arn}/`. moto then answers ListTags for a
mangled ARN with no tags. This wrapper adds the trailing slash before moto routes the request.
Usage: python moto_server.py -H 127.0.0.1 -p PORT
"""

import argparse
import os

from werkzeug.serving import run_simple
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))

    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith("/tags/") and not path.endswith("/"):
            environ["PATH_INFO"] = path + "/"
            for key in ("RAW_URI", "REQUEST_URI"):
                if key in environ:
                    raw, sep, query = environ[key].partition("?")
                    environ[key] = raw + "/" + sep + query
        return moto_app(environ, start_response)

    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
