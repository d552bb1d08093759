"""The helpline's REST channel: a turn that fails answers 500 (Rasa's own answers 200 with what
the bot had said), a turn that works answers as Rasa's does; served by Sanic on loopback."""

import asyncio
import json
import socket
import urllib.error
import urllib.request

from sanic import Sanic

from helpline_nlu.rest_channel import HelplineRestInput


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


async def on_message(message):
    if message.text == "fail":
        await message.output_channel.send_text_message(message.sender_id, "half an answer")
        raise RuntimeError("the tracker store went away")
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


def test_failed_turn_answers_500_and_a_good_one_answers_as_rasa_does():
    assert HelplineRestInput.name() == "rest"
    app = Sanic("rest_channel_test")
    app.blueprint(HelplineRestInput().blueprint(on_message), url_prefix="/webhooks/rest")
    port = free_port()
    base = f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    async def run():
        server = await app.create_server(host="127.0.0.1", port=port,
                                         return_asyncio_server=True)
        await server.startup()
        loop = asyncio.get_running_loop()
        try:
            good = await loop.run_in_executor(None, post, base, {"sender": "s", "message": "hi"})
            bad = await loop.run_in_executor(None, post, base,
                                             {"sender": "s", "message": "fail"})
        finally:
            server.close()
            await server.wait_closed()
        return good, bad

    good, bad = asyncio.run(run())
    assert good == (200, [{"recipient_id": "s", "text": "echo: hi"}])
    assert bad == (500, {"error": "turn_failed"})
