using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Tests;

public sealed class SynapseEndpointsTests
{
    [Theory]
    [InlineData("_matrix/client/v3/createRoom", "/_matrix/client/v3/createRoom")]
    [InlineData("http://hs:8008/_matrix/client/v3/rooms/%21abc%3Ahs/state", "/_matrix/client/v3/rooms/{roomId}/state")]
    [InlineData("http://hs/prefix/_matrix/client/v3/rooms/%21abc%3Ahs/state/m.room.name/", "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}")]
    [InlineData("_matrix/client/v3/rooms/%21a%3Ahs/state/m.room.member/%40ann%3Ahs", "/_matrix/client/v3/rooms/{roomId}/state/{eventType}/{stateKey}")]
    [InlineData("_matrix/client/v3/rooms/%21a%3Ahs/send/m.room.message/t1?user_id=%40x", "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}")]
    [InlineData("_matrix/client/v3/directory/room/%23openmeet_t1.event.x%3Ahs", "/_matrix/client/v3/directory/room/{roomAlias}")]
    [InlineData("_synapse/admin/v2/users/%40ann%3Ahs/devices", "/_synapse/admin/v2/users/{userId}/devices")]
    [InlineData("_synapse/mas/query_user?localpart=ann", "/_synapse/mas/query_user")]
    [InlineData("_matrix/client/v3/rooms/%21a%3Ahs/messages", "other")]
    [InlineData("somewhere/else", "other")]
    public void APathBecomesItsTemplateAndNeverCarriesAnId(string path, string template) =>
        SynapseEndpoints.Template(path).Should().Be(template);
}
