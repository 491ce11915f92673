using City.Contract;
using City.Contract.Wire;
using City.Edge.Buffer;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace City.Edge.Tests;

/// <summary>A forwarder over a fresh buffer with one catalogued point, for the forwarding tests.</summary>
internal static class ForwarderRig
{
    public const string Point = "meter1/voltage";

    public static (BatchBuffer Buffer, Forwarder Forwarder, EdgeState State) Open(string bufferPath, EdgeOptions options, TimeProvider time)
    {
        var buffer = BatchBuffer.Open(bufferPath, 1 << 30, options.GatewayId, time, maxReadingsPerBatch: 1);
        buffer.SyncCatalogue([new PointInfo { Id = Point, Unit = "V", Device = "meter1", Description = "Phase voltage" }]);
        var state = new EdgeState(options.GatewayId, time.GetUtcNow(), []);
        var forwarder = new Forwarder(buffer, Options.Create(options), state, time, NullLogger<Forwarder>.Instance);
        return (buffer, forwarder, state);
    }

    /// <summary><paramref name="count"/> readings of the point, a second apart from 1_700_000_000_000.</summary>
    public static List<Reading> Readings(BatchBuffer buffer, int count = 1) =>
        Enumerable.Range(0, count).Select(i => new Reading(buffer.AliasOf(Point), 1_700_000_000_000 + (i * 1000), PointValue.FromNumber(230 + (i * 0.1)))).ToList();
}
