using System.Diagnostics;
using City.Edge.Configuration;
using City.Edge.Devices;
using City.Edge.Priority;
using City.Protocols.Ntcip1211;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// A bus's check-in over the on-board units' serial link (a socat pty pair) to citysim's controller as a process, over
/// SNMPv3 authPriv: noise before the datagram is dropped and counted, the datagram is acknowledged by the controller.
/// </summary>
public sealed class PrioritySerialLinkTests
{
    [Fact]
    public async Task A_check_in_over_the_serial_link_after_noise_is_acknowledged_by_citysims_controller_over_snmpv3()
    {
        var agentPort = FreePort.Udp();
        await using var controller = PeerProcess.Start("dotnet", CitySimOnPty.CitySimDll(), "snmp", "--port", agentPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--v3-user", "prg:prg-auth-pass:prg-priv-pass");
        await using var pty = await SocatPtyPair.StartAsync(TimeSpan.FromSeconds(60));
        await Until.TrueAsync(() => controller.Output.Contains("listening on udp", StringComparison.Ordinal), "citysim snmp listening");
        var dir = Directory.CreateTempSubdirectory("priority-serial-").FullName;
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-serial",
            ["Edge:Central:Port"] = "1",
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Buffer:Path"] = Path.Combine(dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(dir, "api.sock"),
            ["Edge:Devices:0:Name"] = "junction1",
            ["Edge:Devices:0:Protocol"] = "ntcip1211",
            ["Edge:Devices:0:Host"] = "127.0.0.1",
            ["Edge:Devices:0:Port"] = agentPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Edge:Devices:0:User"] = "prg",
            ["Edge:Devices:0:AuthProtocol"] = "SHA-256",
            ["Edge:Devices:0:AuthPassword"] = "prg-auth-pass",
            ["Edge:Devices:0:PrivProtocol"] = "AES",
            ["Edge:Devices:0:PrivPassword"] = "prg-priv-pass",
            ["Edge:Devices:0:TimeoutMs"] = "2000",
            ["Edge:Devices:0:SerialPort"] = pty.PortA,
            ["Edge:Devices:0:BaudRate"] = "115200",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, City.Edge.EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        using var buffer = City.Edge.Buffer.BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { Args = [], ContentRootPath = dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        var app = City.Edge.Program.Build(builder, City.Edge.Program.WithAliases(settings, buffer), buffer, TimeProvider.System, out _);
        await app.StartAsync();
        try
        {
            var runtime = app.Services.GetRequiredService<PriorityRuntime>();
            var checkIn = ObuDatagram.Encode(new ObuMessage(ObuMessageKind.CheckIn, "BUS-7", "L3", Approach: 2, ClassType: 3, ClassLevel: 1, ArrivalSeconds: 20, DepartureSeconds: 30));
            await using var bus = new FileStream(pty.PortB, FileMode.Open, FileAccess.Write);

            // The edge opens its end of the link as it starts: the bus repeats its noise and check-in until the cabinet answers.
            await Until.TrueAsync(async () =>
            {
                await bus.WriteAsync(new byte[] { 0x00, 0x42, 0x07, 0xFF });
                await bus.WriteAsync(checkIn);
                await bus.FlushAsync();
                await Task.Delay(200);
                return runtime.Views()[0].Counters.GetValueOrDefault("requested") >= 1;
            }, "the check-in acknowledged by the controller");

            // The link is open now (noise written before the edge opened its end may have been flushed at the open): noise
            // again, then a second bus, until the noise is counted and the bus behind it acknowledged.
            var secondBus = ObuDatagram.Encode(new ObuMessage(ObuMessageKind.CheckIn, "BUS-8", "L3", Approach: 2, ClassType: 3, ClassLevel: 1, ArrivalSeconds: 20, DepartureSeconds: 30));
            await Until.TrueAsync(async () =>
            {
                await bus.WriteAsync(new byte[] { 0x00, 0x42, 0x07, 0xFF });
                await bus.WriteAsync(secondBus);
                await bus.FlushAsync();
                await Task.Delay(200);
                var seen = runtime.Views()[0];
                return seen.MalformedDatagrams >= 1 && seen.Counters.GetValueOrDefault("requested") >= 2;
            }, "the noise counted and the bus behind it acknowledged");

            var view = runtime.Views()[0];
            var request = view.Open.Concat(view.Recent).First(r => r.VehicleId == "BUS-7");
            Assert.StartsWith("serial ", request.Source, StringComparison.Ordinal);
            Assert.Equal("L3", request.Route);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
