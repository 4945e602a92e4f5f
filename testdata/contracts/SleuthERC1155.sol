// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SleuthERC1155
/// @notice A self-contained ERC-1155 (with the metadata URI extension) for
/// Sleuth's tests and devnet. uri(id) returns one template for every token,
/// with "{id}" for clients to replace by the token id as 64 lower-case hex
/// digits, as the standard says.
contract SleuthERC1155 {
    string public name;
    string public symbol;
    address public owner;
    string private _uri;

    mapping(uint256 => mapping(address => uint256)) private _balances;
    mapping(address => mapping(address => bool)) private _operatorApprovals;

    event TransferSingle(
        address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value
    );
    event TransferBatch(
        address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values
    );
    event ApprovalForAll(address indexed account, address indexed operator, bool approved);
    event URI(string value, uint256 indexed id);

    constructor(string memory name_, string memory symbol_, string memory uri_) {
        name = name_;
        symbol = symbol_;
        owner = msg.sender;
        _uri = uri_;
    }

    // ERC-165: ERC165, ERC1155, ERC1155MetadataURI.
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 || interfaceId == 0xd9b67a26 || interfaceId == 0x0e89341c;
    }

    function uri(uint256) external view returns (string memory) {
        return _uri;
    }

    function balanceOf(address account, uint256 id) public view returns (uint256) {
        require(account != address(0), "ERC1155: zero address");
        return _balances[id][account];
    }

    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids)
        external
        view
        returns (uint256[] memory balances)
    {
        require(accounts.length == ids.length, "ERC1155: length mismatch");
        balances = new uint256[](accounts.length);
        for (uint256 i = 0; i < accounts.length; i++) {
            balances[i] = balanceOf(accounts[i], ids[i]);
        }
    }

    function setApprovalForAll(address operator, bool approved) external {
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address account, address operator) public view returns (bool) {
        return _operatorApprovals[account][operator];
    }

    function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external {
        require(from == msg.sender || isApprovedForAll(from, msg.sender), "ERC1155: not allowed");
        require(to != address(0), "ERC1155: zero address");
        _balances[id][from] -= value;
        _balances[id][to] += value;
        emit TransferSingle(msg.sender, from, to, id, value);
        _checkSingle(from, to, id, value, data);
    }

    function safeBatchTransferFrom(
        address from,
        address to,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata data
    ) external {
        require(from == msg.sender || isApprovedForAll(from, msg.sender), "ERC1155: not allowed");
        require(to != address(0), "ERC1155: zero address");
        require(ids.length == values.length, "ERC1155: length mismatch");
        for (uint256 i = 0; i < ids.length; i++) {
            _balances[ids[i]][from] -= values[i];
            _balances[ids[i]][to] += values[i];
        }
        emit TransferBatch(msg.sender, from, to, ids, values);
        _checkBatch(from, to, ids, values, data);
    }

    /// @notice Mints `value` of token `id` to `to`. Only the contract owner.
    function mint(address to, uint256 id, uint256 value) external {
        require(msg.sender == owner, "ERC1155: only owner mints");
        require(to != address(0), "ERC1155: zero address");
        _balances[id][to] += value;
        emit TransferSingle(msg.sender, address(0), to, id, value);
        _checkSingle(address(0), to, id, value, "");
    }

    /// @notice Mints several tokens at once (one TransferBatch). Only the contract owner.
    function mintBatch(address to, uint256[] calldata ids, uint256[] calldata values) external {
        require(msg.sender == owner, "ERC1155: only owner mints");
        require(to != address(0), "ERC1155: zero address");
        require(ids.length == values.length, "ERC1155: length mismatch");
        for (uint256 i = 0; i < ids.length; i++) {
            _balances[ids[i]][to] += values[i];
        }
        emit TransferBatch(msg.sender, address(0), to, ids, values);
        _checkBatch(address(0), to, ids, values, "");
    }

    /// @notice Replaces the URI template. Only the contract owner.
    function setURI(string calldata uri_) external {
        require(msg.sender == owner, "ERC1155: only owner");
        _uri = uri_;
    }

    function _checkSingle(address from, address to, uint256 id, uint256 value, bytes memory data) private {
        if (to.code.length == 0) {
            return;
        }
        bytes4 ret = IERC1155Receiver(to).onERC1155Received(msg.sender, from, id, value, data);
        require(ret == IERC1155Receiver.onERC1155Received.selector, "ERC1155: receiver refused");
    }

    function _checkBatch(address from, address to, uint256[] memory ids, uint256[] memory values, bytes memory data)
        private
    {
        if (to.code.length == 0) {
            return;
        }
        bytes4 ret = IERC1155Receiver(to).onERC1155BatchReceived(msg.sender, from, ids, values, data);
        require(ret == IERC1155Receiver.onERC1155BatchReceived.selector, "ERC1155: receiver refused");
    }
}

interface IERC1155Receiver {
    function onERC1155Received(address operator, address from, uint256 id, uint256 value, bytes calldata data)
        external
        returns (bytes4);

    function onERC1155BatchReceived(
        address operator,
        address from,
        uint256[] calldata ids,
        uint256[] calldata values,
        bytes calldata data
    ) external returns (bytes4);
}
