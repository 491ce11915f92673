using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using City.Contract;
using City.Contract.Wire;
using City.Edge;
using City.Edge.Buffer;
using City.Edge.Commands;
using City.Edge.Devices;
using City.Protocols.Modbus;
using EdgeProgram = City.Edge.Program;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace City.EdgeCtl.Tests;

/// <summary>
/// <c>edgectl commands</c> in-process against a real edge: signed commands are handed to its command service (as its session
/// with central would), then listed with their outcome, newest first.
/// </summary>
public sealed class CommandsViewTests : IAsyncLifetime
{
    private readonly InMemoryRegisterMap _map = new();
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgectl-tests-" + Guid.NewGuid().ToString("N")[..12]);
    private ModbusTcpSlave _slave = null!;
    private BatchBuffer _buffer = null!;
    private WebApplication _app = null!;
    private string _socket = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "command-signing.pub"), _key.ExportSubjectPublicKeyInfoPem());
        _map.AddUnit(2, holdingRegisterCount: 20, inputRegisterCount: 4);
        _slave = new ModbusTcpSlave(new IPEndPoint(IPAddress.Loopback, 0), _map);
        await _slave.StartAsync();
        var values = new Dictionary<string, string?>
        {
            ["Edge:GatewayId"] = "gw-ctl",
            ["Edge:Central:Port"] = FreePort.Tcp().ToString(CultureInfo.InvariantCulture),
            ["Edge:Central:AllowPlain"] = "true",
            ["Edge:Commands:SigningKeyFile"] = Path.Combine(_dir, "command-signing.pub"),
            ["Edge:Buffer:Path"] = Path.Combine(_dir, "buffer.db"),
            ["Edge:LocalApi:SocketPath"] = Path.Combine(_dir, "api.sock"),
            ["Edge:Devices:0:Name"] = "tc1",
            ["Edge:Devices:0:Host"] = "127.0.0.1",
            ["Edge:Devices:0:Port"] = _slave.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture),
            ["Edge:Devices:0:UnitId"] = "2",
            ["Edge:Devices:0:Points:0:Name"] = "mode",
            ["Edge:Devices:0:Points:0:Register"] = "3",
            ["Edge:Devices:0:Points:0:DataType"] = "uint16",
            ["Edge:Devices:0:Points:0:Writable"] = "true",
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        Assert.True(EdgeConfigLoader.TryLoad(configuration, EdgeProtocols.All, out var settings, out var errors), string.Join("\n", errors));
        _buffer = BatchBuffer.Open(settings.Options.Buffer.Path, settings.Options.Buffer.MaxBytes, settings.Options.GatewayId);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = _dir });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        _app = EdgeProgram.Build(builder, EdgeProgram.WithAliases(settings, _buffer), _buffer, TimeProvider.System, out _socket);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _buffer.Dispose();
        await _slave.DisposeAsync();
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Commands_json_lists_the_recent_commands_newest_first_with_their_outcome()
    {
        var service = _app.Services.GetRequiredService<CommandService>();
        var write = Body(b => b.Write = new WriteAction { Device = "tc1", Point = "mode", Number = 3 });
        await service.HandleAsync(CommandSigning.Sign(write, _key), CancellationToken.None);
        var unknown = Body(b => b.Write = new WriteAction { Device = "tc1", Point = "nope", Number = 1 });
        await service.HandleAsync(CommandSigning.Sign(unknown, _key), CancellationToken.None);

        var (exit, stdout, stderr) = await RunAsync("commands", "--json");

        Assert.True(exit == 0, stderr);
        using var document = JsonDocument.Parse(stdout);
        var list = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        Assert.Equal(unknown.Id, list[0].GetProperty("id").GetString());
        Assert.Equal("rejected", list[0].GetProperty("status").GetString());
        Assert.Equal("unknown-target", list[0].GetProperty("reason").GetString());
        Assert.Equal(write.Id, list[1].GetProperty("id").GetString());
        Assert.Equal("done", list[1].GetProperty("status").GetString());
        Assert.Equal("ops-bob", list[1].GetProperty("issuer").GetString());
        Assert.Equal("write tc1/mode = 3", list[1].GetProperty("action").GetString());
        Assert.Equal("3", list[1].GetProperty("readBack").GetString());

        (exit, stdout, stderr) = await RunAsync("commands");
        Assert.True(exit == 0, stderr);
        Assert.Contains("REJECTED unknown-target", stdout, StringComparison.Ordinal);
        Assert.Contains("read back 3", stdout, StringComparison.Ordinal);
    }

    private static CommandBody Body(Action<CommandBody> action)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var body = new CommandBody { Id = Guid.NewGuid().ToString(), GatewayId = "gw-ctl", IssuedAtUnixMs = now, NotAfterUnixMs = now + 60_000, Issuer = "ops-bob" };
        action(body);
        return body;
    }

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exit = await EdgeCtlCli.CreateRoot(stdout, stderr).Parse([args[0], "--socket", _socket, .. args[1..]]).InvokeAsync();
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
