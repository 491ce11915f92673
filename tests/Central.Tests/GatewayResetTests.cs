using System.Net;
using System.Text.Json;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;

namespace City.Central.Tests;

/// <summary>The admin's reset of a gateway's registration: the way out of a hijacked birth (issue 12).</summary>
public sealed class GatewayResetTests
{
    private const string Gateway = "gw-hijack";

    private static readonly PointInfo[] ForgedPoints =
    [
        new() { Alias = 1, Id = "forged/point", Unit = "", Type = PointType.Number, Device = "forged", Description = "forged" },
    ];

    [Fact]
    public async Task A_forged_max_epoch_is_reset_by_an_admin_and_the_real_birth_is_then_accepted_while_readings_stay()
    {
        var dataPath = CentralHost.NewDataPath();
        try
        {
            await using (var central = await CentralHost.StartAsync(dataPath, $"--Central:AllowedGateways:0={Gateway}"))
            {
                await using var real = await FakeGateway.ConnectAsync(central.MqttPort, Gateway);
                await real.BirthAsync(3);
                var reading = FakeGateway.SampleReadings(1);
                await real.DataAsync(1, reading, epoch: 3);
                Assert.Equal([1UL], (await real.NextAckAsync()).CommittedSeqs);

                // The hijack: a birth with epoch 2^64-1 and a death, as gw-hijack, from another client.
                await using (var forger = await FakeGateway.ConnectAsync(central.MqttPort, Gateway))
                {
                    await forger.BirthAsync(ulong.MaxValue, ForgedPoints);
                    await WaitForGatewayAsync(central, g => g.GetProperty("epoch").GetUInt64() == ulong.MaxValue, "the forged epoch");
                    await forger.DeathAsync(ulong.MaxValue);
                    await WaitForGatewayAsync(central, g => !g.GetProperty("online").GetBoolean(), "the forged death");
                }

                await real.BirthAsync(4);
                await central.WaitForRejectedAsync("stale-birth", 1);

                // Viewer and operator may not reset; nothing changes.
                foreach (var role in new[] { ApiRole.Viewer, ApiRole.Operator })
                {
                    using var client = central.NewClient(central.CreateToken(role.ToString(), role));
                    using var refused = await client.PostAsync(new Uri($"/api/v1/gateways/{Gateway}/reset", UriKind.Relative), null);
                    Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
                }

                Assert.Equal(ulong.MaxValue, (await GatewayAsync(central)).GetProperty("epoch").GetUInt64());

                using (var response = await central.Http.PostAsync(new Uri($"/api/v1/gateways/{Gateway}/reset", UriKind.Relative), null))
                {
                    var text = await response.Content.ReadAsStringAsync();
                    Assert.True(response.StatusCode == HttpStatusCode.OK, text);
                    var body = JsonDocument.Parse(text).RootElement;
                    Assert.Equal(Gateway, body.GetProperty("gateway").GetString());
                    Assert.Equal("tests-admin", body.GetProperty("resetBy").GetString());
                    Assert.Equal(ulong.MaxValue, body.GetProperty("previousEpoch").GetUInt64());
                    Assert.Equal(1, body.GetProperty("cataloguePoints").GetInt32());
                }

                var cleared = await GatewayAsync(central);
                Assert.Equal(0UL, cleared.GetProperty("epoch").GetUInt64());
                Assert.Equal(0, cleared.GetProperty("points").GetInt32());
                Assert.Equal(string.Empty, cleared.GetProperty("committedSeqs").GetString());
                Assert.False(cleared.GetProperty("online").GetBoolean());
                Assert.Empty((await central.GetJsonAsync($"/api/v1/points/latest?gateway={Gateway}")).EnumerateArray());

                var events = await central.GetJsonAsync($"/api/v1/events?gateway={Gateway}&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
                var resetEvent = Assert.Single(events.GetProperty("events").EnumerateArray(), e => e.GetProperty("point").GetString() == "$central/reset");
                Assert.Contains("reset by 'tests-admin'", resetEvent.GetProperty("value").GetString(), StringComparison.Ordinal);
            }

            // The reset is stored: after a restart the real birth (epoch 4, not newer than 2^64-1) is accepted.
            await using (var central = await CentralHost.StartAsync(dataPath, $"--Central:AllowedGateways:0={Gateway}"))
            {
                Assert.Equal(0UL, (await GatewayAsync(central)).GetProperty("epoch").GetUInt64());
                await using var real = await FakeGateway.ConnectAsync(central.MqttPort, Gateway);
                await real.BirthAsync(4);
                var reborn = await WaitForGatewayAsync(central, g => g.GetProperty("epoch").GetUInt64() == 4 && g.GetProperty("online").GetBoolean(), "the real birth");
                Assert.Equal(FakeGateway.DefaultPoints.Length, reborn.GetProperty("points").GetInt32());
                var latest = await central.GetJsonAsync($"/api/v1/points/latest?gateway={Gateway}");
                Assert.Contains(latest.EnumerateArray(), p => p.GetProperty("id").GetString() == "meter1/power");
                Assert.DoesNotContain(latest.EnumerateArray(), p => p.GetProperty("id").GetString() == "forged/point");

                // Stored readings stayed; new batches are acknowledged.
                var history = await central.GetJsonAsync($"/api/v1/points/history?gateway={Gateway}&point=meter1/power&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
                Assert.Single(history.GetProperty("readings").EnumerateArray());
                await real.DataAsync(2, FakeGateway.SampleReadings(1), epoch: 4);
                Assert.Equal([2UL], (await real.NextAckAsync()).CommittedSeqs);
                Assert.Equal(0, CentralHost.Rejected(await central.StatsAsync(), "stale-birth"));
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Theory]
    [InlineData("gw-none", HttpStatusCode.NotFound)]
    [InlineData("bad%20id", HttpStatusCode.BadRequest)]
    public async Task An_unknown_or_invalid_gateway_is_not_reset(string id, HttpStatusCode expected)
    {
        await using var central = await CentralHost.StartAsync();
        using var response = await central.Http.PostAsync(new Uri($"/api/v1/gateways/{id}/reset", UriKind.Relative), null);
        Assert.Equal(expected, response.StatusCode);
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task The_command_resets_with_an_admin_token_and_reports_a_refusal()
    {
        await using var central = await CentralHost.StartAsync(null, $"--Central:AllowedGateways:0={Gateway}");
        await using var gateway = await FakeGateway.ConnectAsync(central.MqttPort, Gateway);
        await gateway.BirthAsync(7);
        await WaitForGatewayAsync(central, g => g.GetProperty("epoch").GetUInt64() == 7, "the birth");
        var url = central.BaseUrl.ToString();

        var (code, output, error) = await GatewayCommandAsync(null, "reset", Gateway, "--url", url, "--token", central.CreateToken("v", ApiRole.Viewer));
        Assert.Equal(1, code);
        Assert.Contains("403", error, StringComparison.Ordinal);
        Assert.Contains("has role viewer", error, StringComparison.Ordinal);
        Assert.Empty(output);

        // The token from the environment (CENTRAL_TOKEN).
        (code, output, error) = await GatewayCommandAsync(central.AdminToken, "reset", Gateway, "--url", url);
        Assert.True(code == 0, error);
        Assert.Contains($"gateway {Gateway} reset by 'tests-admin': epoch 7", output, StringComparison.Ordinal);
        Assert.Equal(0UL, (await GatewayAsync(central)).GetProperty("epoch").GetUInt64());

        (code, _, error) = await GatewayCommandAsync(null, "reset", Gateway, "--url", url);
        Assert.Equal(2, code);
        Assert.Contains("CENTRAL_TOKEN", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> GatewayCommandAsync(string? environmentToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommand.RunAsync(["gateway", .. args], output, error, environmentToken);
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<JsonElement> GatewayAsync(CentralHost central) =>
        (await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray().Single(g => g.GetProperty("id").GetString() == Gateway);

    private static async Task<JsonElement> WaitForGatewayAsync(CentralHost central, Func<JsonElement, bool> condition, string what)
    {
        JsonElement found = default;
        await Wait.UntilAsync(async () =>
        {
            var gateways = (await central.GetJsonAsync("/api/v1/gateways")).EnumerateArray().Where(g => g.GetProperty("id").GetString() == Gateway).ToList();
            if (gateways.Count == 1 && condition(gateways[0]))
            {
                found = gateways[0];
                return true;
            }

            return false;
        }, TimeSpan.FromSeconds(10), what);
        return found;
    }
}
