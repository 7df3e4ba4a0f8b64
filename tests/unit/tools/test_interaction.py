"""What a tool asks of the client through its ToolContext: sampling, elicitation, closing its stream."""

from remotemcp.domain.tools import (
    ElicitationResult,
    ImageContent,
    SamplingMessage,
    SamplingResult,
    TextContent,
    ToolContext,
    ToolRegistry,
)
from tests.unit.tools.fakes import RecordingContext


async def test_a_tool_samples_through_its_context() -> None:
    reg = ToolRegistry()

    @reg.tool
    async def ask(question: str, context: ToolContext) -> str:
        result = await context.sample(question, max_tokens=50)
        return f"model said: {result.text}"

    context = RecordingContext(sample_reply="forty-two")
    result = await reg.get("ask").call({"question": "meaning?"}, context)
    assert result.text == "model said: forty-two"
    assert context.samples == [([SamplingMessage("user", TextContent("meaning?"))], 50)]


async def test_a_tool_elicits_through_its_context() -> None:
    reg = ToolRegistry()
    form = {"type": "object", "properties": {"name": {"type": "string"}}}

    @reg.tool
    async def greet(context: ToolContext) -> str:
        answer = await context.elicit("Who are you?", form)
        return f"hello {answer.content['name']}" if answer.accepted else f"no answer ({answer.action})"

    declined = RecordingContext()
    assert (await reg.get("greet").call({}, declined)).text == "no answer (decline)"
    assert declined.elicitations == [("Who are you?", form)]
    accepted = RecordingContext(elicit_reply=ElicitationResult("accept", {"name": "Ann"}))
    assert (await reg.get("greet").call({}, accepted)).text == "hello Ann"


async def test_a_tool_may_close_its_stream_where_the_connection_allows() -> None:
    reg = ToolRegistry()

    @reg.tool
    async def poll(context: ToolContext) -> bool:
        return await context.close_sse_stream()

    resumable = RecordingContext(can_close_stream=True)
    assert (await reg.get("poll").call({}, resumable)).value is True
    assert resumable.streams_closed == 1
    assert (await reg.get("poll").call({}, RecordingContext())).value is False


def test_the_value_types_say_what_they_hold() -> None:
    assert SamplingMessage.assistant("hi") == SamplingMessage("assistant", TextContent("hi"))
    picture = ImageContent(b"\x89PNG", "image/png")
    assert SamplingMessage.user(picture).content is picture
    assert SamplingResult("assistant", picture, model="m").text is None
    assert SamplingResult("assistant", TextContent("ok"), model="m", stop_reason="endTurn").text == "ok"
    assert ElicitationResult("accept").content == {}
    assert not ElicitationResult("cancel").accepted
