"""Drivers of the AWS sinks that Moto emulates: Amazon Data Firehose (delivering to S3) and
Amazon DynamoDB.

The job reaches Moto through ``aws.endpoint`` (the factories pass the group's other keys to the
AWS client) over plain HTTP/1.1, with the dummy credentials of ``CREDENTIALS``. Both services
keep everything the job wrote, so the drivers read the whole output afresh on each poll.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, ClassVar

from boto3.dynamodb.types import TypeDeserializer

from tests.e2e.harness.drivers import Driver
from tests.e2e.harness.file_sinks import poll_whole
from tests.e2e.harness.moto import ACCOUNT, CREDENTIALS, REGION, MotoServer
from tests.e2e.harness.processes import ManagedProcess


def _client_properties(moto: MotoServer) -> dict[str, str]:
    """The AWS client keys that point a connector at the test's Moto."""
    return {"aws.endpoint": moto.endpoint, "aws.http.protocol.version": "HTTP1_1"}


def json_documents(text: str) -> list[dict[str, Any]]:
    """The JSON documents of a Firehose object: one per line (the DataStream sink ends each with a
    newline) or back to back (the SQL sink's json format adds none; Firehose concatenates)."""
    decoder = json.JSONDecoder()
    documents: list[dict[str, Any]] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return documents
        document, position = decoder.raw_decode(text, position)
        documents.append(document)


class FirehoseDriver(Driver):
    """Firehose streams on the test's Moto that deliver to a bucket, one prefix per stream; Moto
    delivers each PutRecordBatch at once as one S3 object."""

    environment: ClassVar[dict[str, str]] = CREDENTIALS

    def __init__(self, moto: MotoServer, prefix: str) -> None:
        self.moto = moto
        self.bucket = f"{prefix}-delivery"
        moto.client("s3").create_bucket(Bucket=self.bucket)
        firehose = moto.client("firehose")
        self.streams = {False: f"{prefix}-output", True: f"{prefix}-dead-letter"}
        for name in self.streams.values():
            firehose.create_delivery_stream(
                DeliveryStreamName=name,
                DeliveryStreamType="DirectPut",
                ExtendedS3DestinationConfiguration={
                    "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose-delivery",
                    "BucketARN": f"arn:aws:s3:::{self.bucket}",
                    "Prefix": f"{name}/",
                },
            )

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        arn = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{self.streams[dead_letter]}"
        return {**_client_properties(self.moto), "delivery.stream.arn": arn}

    def delivered(self, dead_letter: bool) -> list[dict[str, Any]]:
        """Every record delivered so far, from the stream's S3 objects."""
        s3 = self.moto.client("s3")
        listing = s3.list_objects_v2(Bucket=self.bucket, Prefix=f"{self.streams[dead_letter]}/")
        records: list[dict[str, Any]] = []
        for entry in listing.get("Contents", []):
            body = s3.get_object(Bucket=self.bucket, Key=entry["Key"])["Body"].read().decode("utf-8")
            records.extend(json_documents(body))
        return records

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        return poll_whole(lambda: self.delivered(dead_letter), count, timeout_s, job)


class DynamoDbDriver(Driver):
    """DynamoDB tables on the test's Moto with the keys the generated README asks for: prices by
    ticker and event time, dead letters by the id the sink adds."""

    environment: ClassVar[dict[str, str]] = CREDENTIALS
    _DESERIALIZER = TypeDeserializer()

    def __init__(self, moto: MotoServer, prefix: str) -> None:
        self.moto = moto
        dynamodb = moto.client("dynamodb")
        self.tables = {False: f"{prefix}-output", True: f"{prefix}-dead-letter"}
        keys = {False: [("ticker", "HASH"), ("event_time", "RANGE")], True: [("id", "HASH")]}
        for dead_letter, name in self.tables.items():
            dynamodb.create_table(
                TableName=name,
                KeySchema=[{"AttributeName": a, "KeyType": k} for a, k in keys[dead_letter]],
                AttributeDefinitions=[
                    {"AttributeName": a, "AttributeType": "S"} for a, _ in keys[dead_letter]
                ],
                BillingMode="PAY_PER_REQUEST",
            )

    def sink_properties(self, dead_letter: bool) -> dict[str, str]:
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{self.tables[dead_letter]}"
        return {**_client_properties(self.moto), "table.arn": arn}

    def items(self, dead_letter: bool) -> list[dict[str, Any]]:
        """Every item of the table, numbers as floats."""
        dynamodb = self.moto.client("dynamodb")
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=self.tables[dead_letter]):
            for item in page["Items"]:
                values = {key: self._DESERIALIZER.deserialize(value) for key, value in item.items()}
                items.append({k: float(v) if isinstance(v, Decimal) else v for k, v in values.items()})
        return items

    def read(
        self, job: ManagedProcess, dead_letter: bool, count: int, timeout_s: float
    ) -> list[dict[str, Any]]:
        return poll_whole(lambda: self.items(dead_letter), count, timeout_s, job)
