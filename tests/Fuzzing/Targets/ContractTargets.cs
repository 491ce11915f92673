using System.Security.Cryptography;
using City.Central.Ingest;
using City.Contract;
using City.Contract.Mqtt;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Edge.Commands;
using City.Edge.Configuration;
using Google.Protobuf;
using MQTTnet;

namespace City.Fuzzing.Targets;

/// <summary>
/// The contract's messages as central and the edge read them from the broker: the payload parsed, then the checks each
/// side runs before it believes a message (central's MessageValidator; the edge's CommandChecks).
/// </summary>
internal static class ContractTargets
{
    public const string GatewayId = "gw-001";

    // Central admits every gateway that the fuzzer names; a gateway seen with a birth is no different here.
    private static readonly Admission OpenAdmission = new(new HashSet<string>(StringComparer.Ordinal), AdmitOnBirth: true);
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
    private static readonly List<Reading> Scratch = [];

    // The edge pins central's public key; the fuzzer holds the private half so that a mutated body can also be signed
    // and reach the checks behind the signature (what a compromised or buggy central could send).
    private static readonly ECDsa CentralKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private static readonly CommandChecks EdgeChecks = new(
        ECDsa.Create(CentralKey.ExportParameters(includePrivateParameters: false)), GatewayId, TimeSpan.FromSeconds(30),
        new EdgeSettings(new EdgeOptions(), []), []);

    /// <summary>A batch as central's ingest reads it (envelope, admission, checksum, body), then its body decoded as if the checksum held.</summary>
    public static void Batch(ReadOnlySpan<byte> input)
    {
        if (BatchCodec.TryParseEnvelope(input, out var batch, out _))
        {
            MessageValidator.CheckBatch(batch.GatewayId, batch, null, OpenAdmission);
            if (MessageValidator.CheckBody(batch, out var body).Kind == VerdictKind.Accept)
            {
                Decode(body);
            }

            if (BatchCodec.TryDecodeBody(batch.Compression, batch.Body.Span, batch.ReadingCount, out var unchecked_, out _))
            {
                Decode(unchecked_);
            }
        }

        // The body itself (a Readings message), past the count check a fuzzer seldom matches.
        if (BatchCodec.TryParse(Readings.Parser, input, out var readings))
        {
            foreach (var series in readings.Series)
            {
                SeriesCodec.CountReadings(series);
            }

            foreach (var scatter in readings.Scatter)
            {
                ScatterCodec.CountReadings(scatter);
            }

            Decode(readings);
        }
    }

    /// <summary>A birth and a death as central's ingest reads them.</summary>
    public static void BirthAndDeath(ReadOnlySpan<byte> input)
    {
        if (BatchCodec.TryParse(Birth.Parser, input, out var birth))
        {
            MessageValidator.CheckBirth(birth.GatewayId, birth, null, OpenAdmission, out _);
        }

        if (BatchCodec.TryParse(Death.Parser, input, out var death))
        {
            MessageValidator.CheckDeath(death.GatewayId, death, null);
        }
    }

    /// <summary>An ack as the edge reads it from its ack topic, and a command result as central reads it.</summary>
    public static void AckAndResult(ReadOnlySpan<byte> input)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(Topics.Ack(GatewayId)).WithPayload(input.ToArray()).Build();
        Topics.TryParse(message.Topic, out _, out _);
        if (ContractMessages.TryParseAck(message, out var ack))
        {
            _ = ack.CommittedSeqs.Count + ack.RejectedSeqs.Count + ack.CommittedResultSeqs.Count + ack.RejectReason.Length;
        }

        if (ContractMessages.TryParseCommandResult(message, out var result))
        {
            _ = result.HasReadBack ? result.ReadBack.Length : 0;
        }
    }

    /// <summary>
    /// A signed command as the edge reads it from its command topic: parsed, checked against the pinned key (it fails
    /// for a mutated one), then the same body signed by the key the edge trusts and checked through to the target.
    /// </summary>
    public static void Command(ReadOnlySpan<byte> input)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(Topics.Command(GatewayId)).WithPayload(input.ToArray()).Build();
        if (!ContractMessages.TryParseCommand(message, out var command))
        {
            return;
        }

        // CommandService describes every command it refuses too, from the unverified body.
        EdgeChecks.Verify(command, Now, out var unverified);
        CommandChecks.Describe(unverified);
        var signed = new SignedCommand
        {
            Body = command.Body,
            Signature = ByteString.CopyFrom(CentralKey.SignData(command.Body.Span, HashAlgorithmName.SHA256)),
        };
        if (EdgeChecks.Verify(signed, Now, out var body) is null)
        {
            EdgeChecks.CheckTarget(body, null);
            CommandChecks.Describe(body);
            if (body.Write is { } write)
            {
                CommandChecks.ValueOf(write);
            }
        }
    }

    private static void Decode(Readings readings)
    {
        Scratch.Clear();
        BatchCodec.TryAppendReadings(readings, Scratch, out _);
        foreach (var reading in Scratch)
        {
            PointValueJson.ToJsonValue(reading.Value);
        }
    }
}
