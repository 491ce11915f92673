using System.Globalization;
using System.IO.Compression;
using System.Text;
using City.Contract;
using Google.Protobuf;

namespace City.Benchmarks;

/// <summary>Bytes per reading on the wire for the same readings in three encodings, before MQTT overhead.</summary>
internal static class SizeReport
{
    public static void Print()
    {
        PrintComparison();
        Console.WriteLine();
        PrintBatchShapes();
    }

    /// <summary>How the cost per reading depends on how many readings of each point one batch holds.</summary>
    private static void PrintBatchShapes()
    {
        Console.WriteLine("city/v1 batch by shape (values with two decimals, steady periods):");
        Console.WriteLine();
        Console.WriteLine("| shape | readings | bytes uncompressed/reading | bytes zstd/reading |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, points, perPoint) in new[]
        {
            ("meter cabinet: 50 points x 60 readings (1 s period, 60 s batch)", 50, 60),
            ("50 points x 10 readings (1 s period, 10 s batch)", 50, 10),
            ("50 points x 2 readings", 50, 2),
            ("lighting cabinet: 1,024 points x 1 reading (60 s period, 60 s batch)", 1024, 1),
            ("lighting cabinet live: one 500 ms flush, 9 points x 1 reading", 9, 1),
            ("lighting cabinet: 1,024 points x 10 readings (backlog, 10 min batch)", 1024, 10),
        })
        {
            var readings = Telemetry.Periodic(points, perPoint);
            var plain = BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), readings, compressionThreshold: int.MaxValue).Length;
            var packed = BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), readings).Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {readings.Count} | {plain / (double)readings.Count:0.00} | {packed / (double)readings.Count:0.00} |"));
        }
    }

    private static void PrintComparison()
    {
        var readings = Telemetry.Periodic();
        var rows = new List<(string Name, byte[] Payload)>
        {
            ("ThingsBoard-style JSON batch", ThingsBoardJson(readings)),
            ("Sparkplug-style protobuf (alias, ts, double)", SparkplugStyle(readings)),
            ("city/v1 batch, uncompressed", BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), readings, compressionThreshold: int.MaxValue)),
            ("city/v1 batch, zstd (default)", BatchCodec.EncodeToBytes(new BatchHeader("gw-0001", 1, 1, Telemetry.Start), readings)),
        };

        Console.WriteLine($"{readings.Count} readings: 50 points x 60 readings, one a second, values with two decimals");
        Console.WriteLine();
        Console.WriteLine("| encoding | bytes | bytes/reading | after deflate, bytes/reading |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, payload) in rows)
        {
            var deflated = Deflate(payload).Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {payload.Length} | {payload.Length / (double)readings.Count:0.00} | {deflated / (double)readings.Count:0.00} |"));
        }
    }

    private static byte[] ThingsBoardJson(List<Reading> readings)
    {
        // [{"ts":..., "values":{"p1":230.47}}, ...]: one object per reading, as its gateway sends them.
        var json = new StringBuilder("[");
        foreach (var reading in readings)
        {
            json.Append(CultureInfo.InvariantCulture, $"{{\"ts\":{reading.TimestampUnixMs},\"values\":{{\"meter{reading.Alias}_power\":{reading.Value.Number.ToString(CultureInfo.InvariantCulture)}}}}},");
        }

        json[^1] = ']';
        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private static byte[] SparkplugStyle(List<Reading> readings)
    {
        // Payload { timestamp = 1; repeated Metric metrics = 2 } with Metric { alias = 3; timestamp = 5;
        // datatype = 4; double_value = 13 }: the shape of a Sparkplug B DDATA message using aliases.
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteUInt64((ulong)Telemetry.Start);
        foreach (var reading in readings)
        {
            var metric = new MemoryStream();
            var m = new CodedOutputStream(metric);
            m.WriteTag(3, WireFormat.WireType.Varint);
            m.WriteUInt64(reading.Alias);
            m.WriteTag(4, WireFormat.WireType.Varint);
            m.WriteUInt32(10);
            m.WriteTag(5, WireFormat.WireType.Varint);
            m.WriteUInt64((ulong)reading.TimestampUnixMs);
            m.WriteTag(13, WireFormat.WireType.Fixed64);
            m.WriteDouble(reading.Value.Number);
            m.Flush();
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(metric.ToArray()));
        }

        output.Flush();
        return stream.ToArray();
    }

    private static byte[] Deflate(byte[] payload)
    {
        using var stream = new MemoryStream();
        using (var deflate = new DeflateStream(stream, CompressionLevel.Optimal))
        {
            deflate.Write(payload);
        }

        return stream.ToArray();
    }
}
