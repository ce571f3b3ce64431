import logging

from bot.logs import Redact, StructuredFormatter

TOKEN = "123456789:AAExampleSecretTokenValue_abcdefghijk"


def test_token_never_written(caplog):
    logger = logging.getLogger("test.redact")
    handler_filter = Redact([TOKEN])
    record = logger.makeRecord("test.redact", logging.INFO, __file__, 1,
                               "HTTP Request: POST https://api.telegram.org/bot%s/getUpdates", (TOKEN,), None)
    handler_filter.filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()


def test_extras_are_written_as_json():
    formatter = StructuredFormatter("%(levelname)s %(message)s")
    record = logging.makeLogRecord({"msg": "update failed", "levelname": "ERROR", "update_id": 7, "ticket_id": 3})
    assert formatter.format(record) == 'ERROR update failed {"update_id": 7, "ticket_id": 3}'
