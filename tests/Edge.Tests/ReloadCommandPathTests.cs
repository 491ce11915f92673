using City.Contract;
using City.Contract.Wire;
using City.Edge.Commands;
using City.Edge.Reload;
using Microsoft.Extensions.DependencyInjection;

namespace City.Edge.Tests;

/// <summary>
/// A configuration reload builds the edge's composition again on the new settings (edge/README.md, "Applying without a
/// restart"): a sign or a priority controller it adds gets its remote command path in that run, one it removes loses it.
/// Each run here is built as the daemon builds the run of a reloaded version: from the candidate the reload's checks pass.
/// </summary>
public sealed class ReloadCommandPathTests
{
    private const string Devices = """
        {"Edge": {"Devices": [
          {"Name": "vms1", "Protocol": "vms", "Host": "127.0.0.1", "Port": 9, "TimeoutMs": 10, "Retries": 0, "StatusPeriodMs": 60000,
           "User": "signs", "AuthProtocol": "SHA-256", "AuthPassword": "auth-pass-1", "PrivProtocol": "AES", "PrivPassword": "priv-pass-1"},
          {"Name": "junction1", "Protocol": "ntcip1211", "Host": "127.0.0.1", "Port": 9, "TimeoutMs": 10, "Retries": 0,
           "Version": "2c", "Community": "private"}]}}
        """;

    private const string MeterOnly = """
        {"Edge": {"Devices": [{"Name": "meter1", "Host": "127.0.0.1", "Port": 9, "Points": [{"Name": "voltage", "Register": 0}]}]}}
        """;

    [Fact]
    public async Task A_reload_that_adds_a_sign_and_a_controller_gives_them_their_command_path_and_one_that_removes_them_takes_it_away()
    {
        var start = ConfigDocument.From(TestConfig.Valid());
        Assert.Equal((CommandRejections.UnknownTarget, CommandRejections.UnknownTarget), Reasons(await RefusalsAsync(start)));

        var added = start.With(ConfigDocument.Parse(Devices));
        Assert.Null(ConfigCandidates.Check(start, added, EdgeProtocols.All, out _));
        var (vms, priority) = await RefusalsAsync(added);
        Assert.True(vms is null && priority is null, $"{vms?.Detail} {priority?.Detail}");

        var removed = added.With(ConfigDocument.Parse(MeterOnly));
        Assert.Null(ConfigCandidates.Check(added, removed, EdgeProtocols.All, out _));
        Assert.Equal((CommandRejections.UnknownTarget, CommandRejections.UnknownTarget), Reasons(await RefusalsAsync(removed)));
    }

    /// <summary>The run of <paramref name="version"/>: what its command checks say of a vms and a priority command.</summary>
    private static async Task<(CommandRefusal? Vms, CommandRefusal? Priority)> RefusalsAsync(ConfigDocument version)
    {
        await using var edge = await InProcessEdge.StartAsync(version.Values.ToDictionary(kv => kv.Key, kv => (string?)kv.Value, StringComparer.OrdinalIgnoreCase));
        var checks = edge.Services.GetRequiredService<CommandChecks>();
        var vms = checks.CheckTarget(new CommandBody { Vms = new VmsAction { Sign = "vms1", Operation = "activate", Multi = "ROAD WORK" } }, null);
        var priority = checks.CheckTarget(new CommandBody
        {
            Priority = new PriorityRequestAction { Device = "junction1", Kind = "request", VehicleId = "BUS-1", Approach = 1, VehicleClass = 3, ClassLevel = 1, EtaSeconds = 20 },
        }, null);
        return (vms, priority);
    }

    private static (string? Vms, string? Priority) Reasons((CommandRefusal? Vms, CommandRefusal? Priority) refusals) => (refusals.Vms?.Reason, refusals.Priority?.Reason);
}
