using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Tests.Reconciliation;

public sealed class RoomAliasesTests
{
    private readonly RoomAliases aliases = new("openmeet_", "matrix.example.org");

    [Theory]
    [InlineData("t1", RoomKind.Event, "summer-party", "#openmeet_t1.event.summer-party:matrix.example.org")]
    [InlineData("Acme.Corp", RoomKind.Group, "Hikers_2026", "#openmeet_=41cme=2e=43orp.group.=48ikers=5f2026:matrix.example.org")]
    public void AliasesAreReadableWhereTheyCanBe(string tenant, RoomKind kind, string slug, string expected)
    {
        aliases.For(tenant, kind, slug).Should().Be(expected);
        aliases.Parse(expected).Should().Be((tenant, kind, slug));
    }

    [Fact]
    public void EveryValidTenantAndSlugParsesBackToItself()
    {
        const string alphabet = "abcXYZ019._~-";
        var random = new Random(7);
        for (var i = 0; i < 5000; i++)
        {
            string Name() => "aZ5"[random.Next(3)] + new string([.. Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var (tenant, slug, kind) = (Name(), Name(), random.Next(2) == 0 ? RoomKind.Event : RoomKind.Group);
            Names.IsValid(tenant).Should().BeTrue();
            aliases.Parse(aliases.For(tenant, kind, slug)).Should().Be((tenant, kind, slug));
        }
    }

    [Theory]
    [InlineData("#other_t1.event.x:matrix.example.org")]
    [InlineData("#openmeet_t1.event.x:other.org")]
    [InlineData("#openmeet_t1.meeting.x:matrix.example.org")]
    [InlineData("#openmeet_t1.event:matrix.example.org")]
    [InlineData("#openmeet_t1.event.x.y:matrix.example.org")]
    [InlineData("#openmeet_T1.event.x:matrix.example.org")]
    [InlineData("#openmeet_t=zz.event.x:matrix.example.org")]
    [InlineData("#openmeet_=741.event.x:matrix.example.org")]
    [InlineData("#openmeet_t=61.event.x:matrix.example.org")]
    public void AnythingElseIsNotOurs(string alias) => aliases.Parse(alias).Should().BeNull();
}
