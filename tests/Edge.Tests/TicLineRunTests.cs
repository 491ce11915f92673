using System.Text;
using System.Threading.Channels;
using City.Contract;
using City.Contract.Wire;
using City.Edge.Devices;
using City.Edge.Tic;
using City.Protocols.Tic;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace City.Edge.Tests;

/// <summary>What a meter's run publishes: a frame's values at the publish period, the dropped groups counted, comm-loss after a silence.</summary>
public sealed class TicLineRunTests
{
    // A historic frame of citysim's meter; PAPP's checksum is spoiled.
    private const string Groups = "\nADCO 021861348497 L\r\nOPTARIF HC.. <\r\nISOUSC 30 9\r\nHCHC 004432429 \"\r\nHCHP 009236697 =\r\nPTEC HP..  \r" +
        "\nIINST 006 ]\r\nIMAX 006 E\r\nPAPP 01328 0\r\nHHPHC A ,\r\nMOTDETAT 000000 B\r";

    [Fact]
    public async Task A_frame_is_published_once_per_period_with_its_counters_and_a_silence_gives_comm_loss()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero));
        var settings = new TicDeviceSettings("/dev/ttyAMA0", TicMode.Historic, TimeSpan.FromSeconds(10));
        var device = new DeviceDefinition("linky", "tic", "serial:///dev/ttyAMA0", TicDeviceConfig.Points("linky", settings)) { Settings = settings };
        var state = new EdgeState("gw-tic", time.GetUtcNow(), [device]);
        var readings = Channel.CreateUnbounded<Reading>();
        var run = new TicLineRun(device, device.PointsOf<TicPoint>(), new DeviceRunContext(0, 1, readings.Writer, state, NullLogger.Instance), time);
        var decoder = new TicFrameDecoder(TicMode.Historic);
        run.Attach(decoder);
        var bytes = Encoding.ASCII.GetBytes("\u0002" + Groups + "\u0003");

        await run.OnFrameAsync(Assert.Single(decoder.Feed(bytes)), settings.PublishPeriod, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(2));
        await run.OnFrameAsync(Assert.Single(decoder.Feed(bytes)), settings.PublishPeriod, CancellationToken.None); // within the period: not published

        var latest = state.Latest().ToDictionary(v => v.Id);
        Assert.Equal(PointValue.FromNumber(9236697), latest["linky/hchp"].Value);
        Assert.Equal("Wh", latest["linky/hchp"].Unit);
        Assert.Equal(PointValue.FromText("HP.."), latest["linky/ptec"].Value);
        Assert.Equal(PointValue.FromNumber(6), latest["linky/iinst"].Value);
        Assert.False(latest.ContainsKey("linky/papp"), "the group with a bad checksum gives no value");
        Assert.Equal(PointValue.FromNumber(1), latest["linky/bad-checksums"].Value);
        Assert.Equal(PointValue.FromText("historic"), latest["linky/mode"].Value);
        int published = readings.Reader.Count;
        Assert.Equal(10 + 4, published); // 10 good groups and the line's 4 points, once
        Assert.Equal((true, 1L), (state.Device("linky").Snapshot().LastPollOk, state.Device("linky").Snapshot().PollsOk));

        time.Advance(TimeSpan.FromSeconds(8));
        await run.OnFrameAsync(Assert.Single(decoder.Feed(bytes)), settings.PublishPeriod, CancellationToken.None);
        Assert.Equal(PointValue.FromNumber(3), state.Latest().Single(v => v.Id == "linky/bad-checksums").Value); // the unpublished frame's too
        Assert.Equal(PointValue.FromNumber(3), state.Latest().Single(v => v.Id == "linky/frames").Value);

        time.Advance(TimeSpan.FromSeconds(8));
        await run.ReportSilenceAsync("/dev/ttyAMA0", 1200, TimeSpan.FromSeconds(8), CancellationToken.None);
        var snapshot = state.Device("linky").Snapshot();
        Assert.Equal((false, "no whole TIC frame on /dev/ttyAMA0 at 1200 baud for 8 s"), (snapshot.LastPollOk, snapshot.LastError));
        var hchp = state.Latest().Single(v => v.Id == "linky/hchp");
        Assert.Equal((Quality.CommLoss, PointValue.FromNumber(9236697)), (hchp.Quality, hchp.Value));
    }
}
