using System.Security.Cryptography;
using City.Contract;
using City.Contract.Wire;
using Google.Protobuf;

namespace City.Fuzzing.Targets;

/// <summary>Seeds written by the contract's own encoders: what a real edge and a real central send.</summary>
internal static class ContractSeeds
{
    private const long T0 = 1_767_225_600_000;
    private const string BufferId = "0123456789abcdef0123456789abcdef";

    public static IEnumerable<byte[]> Batches()
    {
        var numbers = Enumerable.Range(0, 20).Select(i => new Reading(1, T0 + (i * 1000), PointValue.FromNumber(230.5 + (i % 3)))).ToList();
        var mixed = new List<Reading>
        {
            new(2, T0, PointValue.FromBoolean(true)),
            new(3, T0 + 5, PointValue.FromText("door open")),
            new(4, T0 + 7, PointValue.FromNumber(double.NaN), Quality.CommLoss),
            new(5, T0 + 9, PointValue.FromNumber(1e300)),
            new(6, T0 + 60_000, PointValue.FromNumber(12.25)),
            new(7, T0 + 60_000, PointValue.FromNumber(-3)),
        };
        yield return BatchCodec.EncodeToBytes(new BatchHeader(ContractTargets.GatewayId, 1, 1, T0, BatchKind.Telemetry, BufferId), numbers, int.MaxValue);
        yield return BatchCodec.EncodeToBytes(new BatchHeader(ContractTargets.GatewayId, 2, 7, T0, BatchKind.Events, BufferId), mixed, int.MaxValue);
        yield return BatchCodec.EncodeToBytes(new BatchHeader(ContractTargets.GatewayId, 3, 9, T0), [.. numbers, .. mixed], compressionThreshold: 0);
        yield return BatchCodec.EncodeReadings(mixed).ToByteArray();
        yield return BatchCodec.EncodeReadings(numbers).ToByteArray();
    }

    public static IEnumerable<byte[]> Births()
    {
        var birth = new Birth
        {
            GatewayId = ContractTargets.GatewayId,
            Epoch = 4,
            TimestampUnixMs = T0,
            SoftwareVersion = "0.1.0",
            BufferId = BufferId,
            LightingVersion = "0123456789abcdef",
            ConfigVersion = "fedcba9876543210",
        };
        birth.Points.Add(new PointInfo { Alias = 1, Id = "meter1/power", Unit = "W", Type = PointType.Number, Device = "meter1" });
        birth.Points.Add(new PointInfo { Alias = 2, Id = "cabinet/door", Type = PointType.Boolean, Device = "cabinet" });
        birth.Points.Add(new PointInfo { Alias = 3, Id = "sign/message", Type = PointType.Text, Device = "sign" });
        birth.Assets.Add(new Asset { LampId = "L-1", Line = "dali1", Address = 3, PoleId = "P-1", Latitude = 47.32, Longitude = 5.04, RatedPowerW = 40, Groups = 5 });
        yield return birth.ToByteArray();
        yield return new Death { GatewayId = ContractTargets.GatewayId, Epoch = 4, BufferId = BufferId }.ToByteArray();
    }

    public static IEnumerable<byte[]> Acks()
    {
        var ack = new Ack { RejectReason = "bad-checksum" };
        ack.CommittedSeqs.Add([1, 2, 3, 10_000_000_000]);
        ack.RejectedSeqs.Add(4);
        ack.CommittedResultSeqs.Add([1, 2]);
        yield return ack.ToByteArray();
        yield return new CommandResult { Id = "c0ffee00-0000-4000-8000-000000000001", GatewayId = ContractTargets.GatewayId, Detail = "done", TimeUnixMs = T0, ReadBack = "42", ResultSeq = 3, Reason = "" }.ToByteArray();
    }

    public static IEnumerable<byte[]> Commands()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        CommandBody Body(int n) => new()
        {
            Id = $"c0ffee00-0000-4000-8000-00000000000{n}",
            GatewayId = ContractTargets.GatewayId,
            IssuedAtUnixMs = T0 - 1000,
            NotAfterUnixMs = T0 + 60_000,
            Issuer = "operator",
        };
        var write = Body(1);
        write.Write = new WriteAction { Device = "meter1", Point = "relay", Number = 1 };
        var dali = Body(2);
        dali.Dali = new DaliAction { Line = "dali1", Target = "group:3", Command = "dapc", Value = 254 };
        var lightingOverride = Body(3);
        lightingOverride.LightingOverride = new LightingOverrideAction { Line = "dali1", Group = 2, LevelPercent = 50, DurationSeconds = 3600 };
        var lighting = Body(4);
        lighting.LightingConfig = new LightingConfigAction { Version = "0123456789abcdef", SetJson = "{\"version\":\"0123456789abcdef\",\"calendars\":[],\"programs\":[]}" };
        var config = Body(5);
        config.EdgeConfig = new EdgeConfigAction { Version = EdgeConfigVersion.Of("{}"), ConfigJson = "{}" };
        foreach (var body in new[] { write, dali, lightingOverride, lighting, config })
        {
            yield return CommandSigning.Sign(body, key).ToByteArray();
        }
    }
}
